# SPDX-License-Identifier: GPL-2.0
# Build rules for the BPF probe (included by the top-level Makefile):
#   build/bpf/vmlinux.h           kernel types (bpf/gen-vmlinux-h.sh; never committed)
#   build/bpf/camopen.bpf.o       the CO-RE object
#   build/bpf/camopen.skel.h      its libbpf skeleton, for user/auditd/
# VMLINUX_BTF=FILE picks the BTF the types come from.

BPF_OUT := $(BUILD)/bpf
BPF_CLANG ?= clang
BPFTOOL ?= bpftool
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

$(BPF_OUT)/vmlinux.h: bpf/gen-vmlinux-h.sh
	@mkdir -p $(dir $@)
	bpf/gen-vmlinux-h.sh $@

$(BPF_OUT)/camopen.bpf.o: bpf/camopen.bpf.c bpf/camopen.h $(BPF_OUT)/vmlinux.h
	$(BPF_CLANG) -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
		-I$(BPF_OUT) -Ibpf -c $< -o $@.tmp
	$(BPFTOOL) gen object $@ $@.tmp
	rm -f $@.tmp

$(BPF_OUT)/camopen.skel.h: $(BPF_OUT)/camopen.bpf.o
	$(BPFTOOL) gen skeleton $< name camopen_bpf > $@

bpf: $(BPF_OUT)/camopen.skel.h
.PHONY: bpf
