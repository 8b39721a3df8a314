# SPDX-License-Identifier: GPL-2.0
#
# How every guest program is built (tests/guest, tests/bench): static
# binaries against the installed uapi headers (/usr/include/linux/vbox*.h).

CC ?= gcc
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
	  -Werror=implicit-function-declaration
LDFLAGS += -static -pthread
