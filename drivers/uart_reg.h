/*
 * uart_reg.h: the 16550A UART (National Semiconductor PC16550D data sheet).
 * Offsets are from the port base; COM1 is at 0x3F8 on IRQ 4.  Each
 * register's bits are indented under it (hence clang-format off).
 */
#ifndef UART_REG_H
#define UART_REG_H

/* clang-format off */
#define COM1_BASE	0x3F8
#define COM1_IRQ	4

#define UART_RBR	0	/* receive buffer (read, DLAB=0) */
#define UART_THR	0	/* transmit holding (write, DLAB=0) */
#define UART_DLL	0	/* divisor latch low (DLAB=1) */
#define UART_DLM	1	/* divisor latch high (DLAB=1) */
#define UART_IER	1	/* interrupt enable (DLAB=0) */
#define  IER_RDA	0x01	/*   received data available */
#define UART_IIR	2	/* interrupt identification (read) */
#define  IIR_NO_INT	0x01	/*   no interrupt pending */
#define UART_FCR	2	/* FIFO control (write) */
#define  FCR_ENABLE	0x01	/*   enable the FIFOs */
#define  FCR_CLEAR	0x06	/*   clear receive and transmit FIFOs */
#define  FCR_TRIG1	0x00	/*   interrupt after 1 received byte */
#define UART_LCR	3	/* line control */
#define  LCR_8N1	0x03	/*   8 data bits, no parity, 1 stop bit */
#define  LCR_DLAB	0x80	/*   divisor latch access */
#define UART_MCR	4	/* modem control */
#define  MCR_DTR	0x01	/*   data terminal ready */
#define  MCR_RTS	0x02	/*   request to send */
#define  MCR_OUT2	0x08	/*   gates the IRQ line onto the bus (PC wiring) */
#define UART_LSR	5	/* line status */
#define  LSR_DR		0x01	/*   a received byte is waiting */
#define  LSR_THRE	0x20	/*   transmit holding register empty */

#define UART_CLOCK_HZ	115200	/* divisor = UART_CLOCK_HZ / baud */
/* clang-format on */

#endif
