/* SPDX-License-Identifier: MIT */
/*
 * The one JSON string writer of the tools: a string in double quotes with
 * whatever JSON (RFC 8259) requires escaped, in one of two forms.
 *
 *   SC_JSON_UTF8   for people and programs reading our output (--json, the
 *                  agent's status file, labels in text output): valid UTF-8
 *                  passes unchanged, \" \\ \n \t \r as such, other control
 *                  bytes and DEL as \u00XX, and every byte of invalid UTF-8
 *                  as \ufffd - a label or command name cannot move the
 *                  terminal around or make the output invalid JSON.
 *   SC_JSON_BYTES  the audit log's canonical record form (docs/AUDIT.md):
 *                  paths and command names are bytes, not text, so every
 *                  byte outside printable ASCII is \u00XX (no short escapes)
 *                  and the bytes can be recovered exactly.  It is hashed
 *                  into the log's chain: never change it.
 */
#ifndef SEALCAM_JSON_H
#define SEALCAM_JSON_H

#include <stddef.h>
#include <stdio.h>

enum sc_json_form { SC_JSON_UTF8, SC_JSON_BYTES };

/* where the escaped text goes, @n bytes at a time */
typedef void (*sc_json_put_fn)(void *ctx, const char *p, size_t n);

/* "@s", escaped; NULL is written as "" */
void sc_json_str(sc_json_put_fn put, void *ctx, const char *s,
		 enum sc_json_form form);

/* the same, SC_JSON_UTF8, to a stdio stream */
void sc_json_fputs(FILE *f, const char *s);

#endif /* SEALCAM_JSON_H */
