/*
 * uart.c: the 16550 on COM1, the kernel's console.  Output is polled, so
 * a panic can always print; input is interrupt driven and handed to the
 * console's line buffer.  QEMU: -serial stdio (or mon:stdio).
 */
#include "uart.h"

#include <stddef.h>

#include "console.h"
#include "cpu.h"
#include "intr.h"
#include "uart_reg.h"

#define UART_BAUD 115200
#define UART_TX_SPINS                                                          \
	100000 /* bound on waiting for THRE; then drop (a
				count, not ms: the console works before the
				clock is calibrated) */

static uint16_t uart_base = COM1_BASE;

void
uart_init(void)
{
	uint16_t div = UART_CLOCK_HZ / UART_BAUD;

	outb(uart_base + UART_IER, 0); /* quiet until intr_establish */
	outb(uart_base + UART_LCR, LCR_DLAB);
	outb(uart_base + UART_DLL, div & 0xFF);
	outb(uart_base + UART_DLM, div >> 8);
	outb(uart_base + UART_LCR, LCR_8N1);
	outb(uart_base + UART_FCR, FCR_ENABLE | FCR_CLEAR | FCR_TRIG1);
	outb(uart_base + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
}

void
uart_putc(int c)
{
	/* Bounded: a wedged UART must not hang a panic report. */
	for (int i = 0; i < UART_TX_SPINS; i++)
		if (inb(uart_base + UART_LSR) & LSR_THRE)
			break;
	outb(uart_base + UART_THR, (uint8_t)c);
}

static int
uart_intr(void *arg)
{
	(void)arg;
	if (inb(uart_base + UART_IIR) & IIR_NO_INT)
		return 0;
	while (inb(uart_base + UART_LSR) & LSR_DR)
		console_input(inb(uart_base + UART_RBR));
	return 1;
}

void
uart_intr_enable(void)
{
	intr_establish(COM1_IRQ, IPL_TTY, uart_intr, NULL, "com1");
	outb(uart_base + UART_IER, IER_RDA);
}
