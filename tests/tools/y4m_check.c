// SPDX-License-Identifier: GPL-2.0
/*
 * y4m_check - test tool: check that every frame of a YUV4MPEG2 file is a
 * solid colour, byte for byte: every luma sample equals Y and (unless the
 * stream is Cmono) every Cb sample equals U and every Cr sample equals V.
 *
 * usage: y4m_check FILE WIDTH HEIGHT MIN_FRAMES Y [U V]
 * Prints "frames=N bad=M" and exits 0 only when N >= MIN_FRAMES and M == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	unsigned int w, h, min_frames, y, u = 0, v = 0, fw = 0, fh = 0;
	unsigned long frames = 0, bad = 0;
	size_t luma, chroma = 0, i;
	char line[512], *tok;
	unsigned char *buf;
	FILE *f;

	if (argc != 6 && argc != 8) {
		fprintf(stderr, "usage: y4m_check FILE W H MIN_FRAMES Y [U V]\n");
		return 2;
	}
	w = atoi(argv[2]);
	h = atoi(argv[3]);
	min_frames = atoi(argv[4]);
	y = strtoul(argv[5], NULL, 0);
	if (argc == 8) {
		u = strtoul(argv[6], NULL, 0);
		v = strtoul(argv[7], NULL, 0);
	}
	f = fopen(argv[1], "rb");
	if (!f || !fgets(line, sizeof(line), f) ||
	    strncmp(line, "YUV4MPEG2 ", 10)) {
		fprintf(stderr, "y4m_check: %s: not a YUV4MPEG2 file\n", argv[1]);
		return 1;
	}
	luma = (size_t)w * h;
	for (tok = strtok(line + 10, " \n"); tok; tok = strtok(NULL, " \n")) {
		if (tok[0] == 'W')
			fw = atoi(tok + 1);
		else if (tok[0] == 'H')
			fh = atoi(tok + 1);
		else if (!strcmp(tok, "C422"))
			chroma = luma / 2;
		else if (!strncmp(tok, "C420", 4))
			chroma = luma / 4;
		else if (!strcmp(tok, "Cmono"))
			chroma = 0;
	}
	if (fw != w || fh != h) {
		fprintf(stderr, "y4m_check: size %ux%u, expected %ux%u\n",
			fw, fh, w, h);
		return 1;
	}
	if (argc == 8 && !chroma) {
		fprintf(stderr, "y4m_check: stream has no chroma planes\n");
		return 1;
	}
	buf = malloc(luma + 2 * chroma);
	if (!buf)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "FRAME", 5))
			break;
		if (fread(buf, 1, luma + 2 * chroma, f) != luma + 2 * chroma) {
			fprintf(stderr, "y4m_check: short frame %lu\n", frames);
			bad++;
			break;
		}
		for (i = 0; i < luma; i++)
			if (buf[i] != y)
				break;
		if (i < luma) {
			fprintf(stderr, "frame %lu: Y[%zu]=%u, expected %u\n",
				frames, i, buf[i], y);
			bad++;
		}
		for (i = 0; chroma && i < chroma; i++)
			if (buf[luma + i] != u || buf[luma + chroma + i] != v)
				break;
		if (chroma && argc == 8 && i < chroma) {
			fprintf(stderr, "frame %lu: chroma[%zu]=%u,%u expected %u,%u\n",
				frames, i, buf[luma + i], buf[luma + chroma + i],
				u, v);
			bad++;
		}
		frames++;
	}
	printf("frames=%lu bad=%lu\n", frames, bad);
	free(buf);
	fclose(f);
	return frames >= min_frames && !bad ? 0 : 1;
}
