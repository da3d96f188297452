/*
 * kmalloc.c: power-of-two size classes from 16 B to 2 KiB, each carved
 * from whole pages, and whole contiguous pages for anything larger.
 *
 * A per-frame tag says what a page holds, so kfree needs no header and an
 * object of class 2^k is aligned to 2^k: a 1 KiB request is 1 KiB aligned,
 * a 4 KiB one page aligned, which DMA structures rely on.  Pages carved
 * into a class stay in that class.
 *
 * Protection: the free lists, the frame tags and the counts are changed
 * with interrupts off, for the whole of kmalloc and kfree (both are
 * called from threads and interrupt levels; neither sleeps).
 */
#include "kmalloc.h"

#include "cpu.h"
#include "panic.h"
#include "pmem.h"
#include "string.h"

#define MIN_SHIFT 4  /* 16 B */
#define MAX_SHIFT 11 /* 2 KiB */
#define NCLASS	  (MAX_SHIFT - MIN_SHIFT + 1)

#define TAG_NONE  0	      /* not kmalloc's */
#define TAG_LARGE 0x80000000u /* first page of a large block; low bits: pages */
#define TAG_CONT  0x40000000u /* a later page of a large block */
/* 1..NCLASS: a page carved into class (tag - 1) */

#define FREE_MAGIC 0xF7EEB10Cu /* second word of every free small object */

struct freeobj {
	struct freeobj *next;
	uint32_t magic;
};

static struct freeobj *freelist[NCLASS];
static uint32_t *tag; /* one per frame below ram_top */
struct kmalloc_stats kmalloc_stats;

void
kmalloc_init(void)
{
	uint32_t nframes = pmem_stats.ram_top >> PAGE_SHIFT;
	uint32_t pages = (nframes * sizeof(*tag) + PAGE_SIZE - 1) / PAGE_SIZE;

	tag = (uint32_t *)pmem_alloc_contig(pages);
	if (!tag)
		panic("kmalloc_init: no memory for %u frame tags", nframes);
	memset(tag, 0, pages * PAGE_SIZE);
}

static int
size_class(size_t n)
{
	int c = 0;

	while (((size_t)1 << (c + MIN_SHIFT)) < n)
		c++;
	return c;
}

static void *
large_alloc(size_t n)
{
	uint32_t pages = (n + PAGE_SIZE - 1) / PAGE_SIZE;
	uint32_t pa = pmem_alloc_contig(pages);

	if (!pa)
		return NULL;
	tag[pa >> PAGE_SHIFT] = TAG_LARGE | pages;
	for (uint32_t i = 1; i < pages; i++)
		tag[(pa >> PAGE_SHIFT) + i] = TAG_CONT;
	kmalloc_stats.bytes_in_use += pages * PAGE_SIZE;
	return (void *)pa;
}

static int
class_refill(int c)
{
	uint32_t pa = pmem_alloc();
	uint32_t size = 1u << (c + MIN_SHIFT);

	if (!pa)
		return 0;
	tag[pa >> PAGE_SHIFT] = c + 1;
	kmalloc_stats.class_pages++;
	for (uint32_t off = PAGE_SIZE; off; off -= size) {
		struct freeobj *o = (struct freeobj *)(pa + off - size);
		o->next = freelist[c];
		o->magic = FREE_MAGIC;
		freelist[c] = o;
	}
	return 1;
}

/* Returns NULL when memory runs out (or for n == 0): callers say ENOMEM. */
void *
kmalloc(size_t n)
{
	void *p = NULL;

	if (!n)
		return NULL;
	uint32_t fl = irq_save();
	if (n > (1u << MAX_SHIFT)) {
		p = large_alloc(n);
	} else {
		int c = size_class(n);
		if (freelist[c] || class_refill(c)) {
			struct freeobj *o = freelist[c];
			freelist[c] = o->next;
			o->magic = 0;
			kmalloc_stats.bytes_in_use += 1u << (c + MIN_SHIFT);
			p = o;
		}
	}
	if (p)
		kmalloc_stats.allocs++;
	irq_restore(fl);
	return p;
}

void *
kzalloc(size_t n)
{
	void *p = kmalloc(n);

	if (p)
		memset(p, 0, n);
	return p;
}

static int
on_freelist(int c, const struct freeobj *o)
{
	for (const struct freeobj *f = freelist[c]; f; f = f->next)
		if (f == o)
			return 1;
	return 0;
}

void
kfree(void *p)
{
	uint32_t a = (uint32_t)p;

	if (!p)
		return;
	uint32_t fl = irq_save();
	uint32_t f = a >> PAGE_SHIFT;
	uint32_t t = f < (pmem_stats.ram_top >> PAGE_SHIFT) ? tag[f] : TAG_NONE;
	if (t & TAG_LARGE) {
		uint32_t pages = t & ~TAG_LARGE;
		if (a & (PAGE_SIZE - 1))
			panic("kfree: %p is inside a block, not its start", p);
		for (uint32_t i = 0; i < pages; i++)
			tag[f + i] = TAG_NONE;
		pmem_free_contig(a, pages);
		kmalloc_stats.bytes_in_use -= pages * PAGE_SIZE;
	} else if (t >= 1 && t <= NCLASS) {
		int c = t - 1;
		struct freeobj *o = p;
		if (a & ((1u << (c + MIN_SHIFT)) - 1))
			panic("kfree: %p is inside an object, not its start",
			      p);
		if (o->magic == FREE_MAGIC && on_freelist(c, o))
			panic("kfree: double free of %p", p);
		o->next = freelist[c];
		o->magic = FREE_MAGIC;
		freelist[c] = o;
		kmalloc_stats.bytes_in_use -= 1u << (c + MIN_SHIFT);
	} else {
		panic("kfree: %p was not allocated by kmalloc", p);
	}
	kmalloc_stats.frees++;
	irq_restore(fl);
}
