// SPDX-License-Identifier: MIT
/*
 * probe_toggle: the camopen probe's cost in the open()+close() path, with
 * the probe attached and detached in alternating blocks, for
 * scripts/bench-audit.sh.
 *
 *   probe_toggle [-n OPENS] [-b BLOCKS] [-s] PATH
 *
 * Loads the probe (its own copy, nothing pinned; no reader: the records
 * stay in a 64 MiB ring buffer, which holds them all), then runs BLOCKS
 * pairs of blocks of OPENS open+close of PATH in the order bare, probe,
 * probe, bare, bare, probe, ... so that a drift of the machine's speed
 * falls on both alike. Prints one line:
 *
 *   probe_toggle: blocks=B opens=N bare_us=X probe_us=Y ratio=R lost=L
 *                 in_prog_us=P
 *
 * X and Y are the medians of the per-open times of the blocks, R the median
 * over pairs of probe block / adjacent bare block, L the records that did
 * not fit (0 expected).  With -s, P is the time spent inside the two BPF
 * programs per open+close of the probe blocks, from the kernel's BPF
 * run-time statistics (BPF_ENABLE_STATS, which add two clock reads per
 * program run to Y; -1 without -s or when the kernel refuses them): it
 * includes the free hook's runs on every other file freed meanwhile.  Y - X
 * minus P is what attaching costs besides the programs' own work (the
 * trampolines, and under TCG the re-translation of patched kernel code).
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "camopen.h"
#include "camopen.skel.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* us per open+close over @n opens of @path */
static double block(const char *path, long n)
{
	double t0 = now_us();
	long i;

	for (i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

		if (fd < 0) {
			perror(path);
			exit(1);
		}
		close(fd);
	}
	return (now_us() - t0) / n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* nanoseconds run so far by @prog (statistics on), or -1 */
static long long prog_run_ns(struct bpf_program *prog)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return -1;
	return info.run_time_ns;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	double *bare, *probe, *ratio;
	struct camopen_bpf *skel;
	long n = 200, blocks = 40, i;
	uint64_t lost_vals[1024] = { 0 }, lost = 0;
	uint32_t zero = 0;
	long long ns0[2] = { -1, -1 }, ns1[2] = { -1, -1 };
	double in_prog = -1;
	int c, j, ncpu, stats_fd = -1;
	bool stats = false;

	while ((c = getopt(argc, argv, "n:b:s")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'b': blocks = atol(optarg); break;
		case 's': stats = true; break;
		default:
			fprintf(stderr, "usage: probe_toggle [-n OPENS] [-b BLOCKS] [-s] PATH\n");
			return 2;
		}
	}
	if (optind + 1 != argc || n < 1 || blocks < 1 || blocks > 10000)
		return 2;
	libbpf_set_print(libbpf_quiet);
	skel = camopen_bpf__open();
	if (!skel) {
		perror("probe_toggle: open");
		return 1;
	}
	/* V4L2's major only: the benchmark opens a video node */
	skel->rodata->cam_majors[0] = 81;
	skel->rodata->nr_majors = 1;
	/* nothing pinned: this copy goes away with the process */
	for (j = 0; j < 7; j++) {
		struct bpf_map *m[] = { skel->maps.events, skel->maps.lost,
			skel->maps.counter, skel->maps.settings,
			skel->maps.allow_exe, skel->maps.allow_uid,
			skel->maps.open_files };

		bpf_map__set_pin_path(m[j], NULL);
	}
	bpf_map__set_max_entries(skel->maps.events, 64 << 20);
	if (camopen_bpf__load(skel)) {
		perror("probe_toggle: load");
		return 1;
	}
	bare = calloc(blocks, sizeof(double));
	probe = calloc(blocks, sizeof(double));
	ratio = calloc(blocks, sizeof(double));
	if (!bare || !probe || !ratio)
		return 1;
	block(argv[optind], n);	/* warm up */
	if (stats)
		stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	ns0[0] = prog_run_ns(skel->progs.camopen_file_open);
	ns0[1] = prog_run_ns(skel->progs.camopen_file_free);
	for (i = 0; i < blocks; i++) {
		struct bpf_link *l1, *l2;
		int probe_first = i % 2;

		if (!probe_first)
			bare[i] = block(argv[optind], n);
		l1 = bpf_program__attach_lsm(skel->progs.camopen_file_open);
		l2 = bpf_program__attach_lsm(skel->progs.camopen_file_free);
		if (!l1 || !l2) {
			perror("probe_toggle: attach");
			return 1;
		}
		probe[i] = block(argv[optind], n);
		bpf_link__destroy(l1);
		bpf_link__destroy(l2);
		if (probe_first)
			bare[i] = block(argv[optind], n);
		ratio[i] = probe[i] / bare[i];
	}
	ns1[0] = prog_run_ns(skel->progs.camopen_file_open);
	ns1[1] = prog_run_ns(skel->progs.camopen_file_free);
	if (stats_fd >= 0 && ns0[0] >= 0 && ns0[1] >= 0 && ns1[0] >= 0 && ns1[1] >= 0)
		in_prog = (ns1[0] - ns0[0] + ns1[1] - ns0[1]) / 1e3 / (blocks * n);
	if (stats_fd >= 0)
		close(stats_fd);
	ncpu = libbpf_num_possible_cpus();
	if (ncpu > 0 && ncpu <= 1024 &&
	    !bpf_map__lookup_elem(skel->maps.lost, &zero, sizeof(zero), lost_vals,
				  ncpu * sizeof(uint64_t), 0))
		for (j = 0; j < ncpu; j++)
			lost += lost_vals[j];
	printf("probe_toggle: blocks=%ld opens=%ld bare_us=%.2f probe_us=%.2f ratio=%.3f lost=%llu in_prog_us=%.2f\n",
	       blocks, n, median(bare, blocks), median(probe, blocks),
	       median(ratio, blocks), (unsigned long long)lost, in_prog);
	camopen_bpf__destroy(skel);
	return 0;
}
