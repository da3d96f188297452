/*
 * test_ksym.c: the symbol table GRUB loaded names kernel functions, which
 * is what makes panic backtraces readable.
 */
#include <stddef.h>
#include <stdint.h>

#include "ksym.h"
#include "ktest.h"
#include "string.h"

void kmain(void);
int shell_exec(char *line);

TEST(ksym_names_kernel_functions)
{
	uint32_t off = 1;
	const char *name = ksym_lookup((uint32_t)shell_exec, &off);

	CHECK(name != NULL, "no symbol for shell_exec at %p",
	      (void *)shell_exec);
	CHECK_STR(name, "shell_exec");
	CHECK_EQ(off, 0);
	name = ksym_lookup((uint32_t)kmain + 5, &off);
	CHECK(name != NULL, "no symbol for kmain+5");
	CHECK_STR(name, "kmain");
	CHECK_EQ(off, 5);
	CHECK_EQ(ksym_addr("kmain"), (uint32_t)kmain);
}

TEST(ksym_knows_no_name_outside_the_kernel)
{
	uint32_t off;

	CHECK(ksym_lookup(0x10, &off) == NULL, "a name for address 0x10");
	CHECK(ksym_lookup(0xFFFFFF00u, &off) == NULL,
	      "a name for address 0xFFFFFF00");
}
