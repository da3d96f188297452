/*
 * console.c: the serial console.  Output goes straight to the UART
 * (polled), with "\n" sent as "\r\n".  Input arrives from the UART's
 * interrupt into a ring that console_getc() drains.
 *
 * Protection: the interrupt moves the ring's tail, readers its head at
 * spltty; output a line at a time with interrupts off.
 */
#include "console.h"

#include <stdint.h>

#include "cpu.h"
#include "intr.h"
#include "printf.h"
#include "proc/proc.h"
#include "thread.h"
#include "uart.h"

#define CONS_RING 256  /* bytes of typed-ahead input kept */
#define CONS_INTR 0x03 /* ^C */

static struct {
	uint8_t buf[CONS_RING];
	unsigned head, tail; /* head: next to read; tail: next to write */
	unsigned dropped;    /* bytes lost to a full ring */
} in;

static void
cons_putc(int c, void *arg)
{
	(void)arg;
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
}

int
vkprintf(const char *fmt, va_list ap)
{
	/* One line at a time from interrupt handlers and threads alike. */
	uint32_t fl = irq_save();
	int n = vformat(cons_putc, NULL, fmt, ap);
	irq_restore(fl);
	return n;
}

int
kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

void
kputs(const char *s)
{
	while (*s)
		cons_putc(*s++, NULL);
}

/* n bytes as they are (a process's write), whole against other output */
void
console_write(const char *s, size_t n)
{
	uint32_t fl = irq_save();

	while (n--)
		cons_putc(*s++, NULL);
	irq_restore(fl);
}

/* From the UART interrupt. */
void
console_input(int c)
{
	if (c == CONS_INTR && proc_interrupt())
		return; /* a foreground process got SIGINT */
	if (in.tail - in.head == CONS_RING) {
		in.dropped++;
		return;
	}
	in.buf[in.tail++ % CONS_RING] = (uint8_t)c;
	wakeup(&in);
}

/* A byte if one is waiting, else -1. */
int
console_trygetc(void)
{
	uint32_t fl = irq_save();
	int c = -1;

	if (in.head != in.tail)
		c = in.buf[in.head++ % CONS_RING];
	irq_restore(fl);
	return c;
}

/* Wait for a byte, asleep: at spltty the UART's interrupt cannot slip
 * in between the test and the sleep. */
int
console_getc(void)
{
	return console_getc_timeout(0);
}

/* The same, waiting at most ticks (0: for ever): -1 if nothing came. */
int
console_getc_timeout(uint32_t ticks)
{
	int s = spltty(), c = -1;

	if (in.head == in.tail)
		tsleep(&in, "ttyin", ticks);
	while (!ticks && in.head == in.tail)
		tsleep(&in, "ttyin", 0);
	if (in.head != in.tail)
		c = in.buf[in.head++ % CONS_RING];
	splx(s);
	return c;
}
