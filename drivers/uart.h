/*
 * uart.h: the COM1 console UART (uart.c).
 */
#ifndef UART_H
#define UART_H

void uart_init(void);
void uart_putc(int c);
void uart_intr_enable(void);

#endif
