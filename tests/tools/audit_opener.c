// SPDX-License-Identifier: MIT
/*
 * audit_opener: opens camera nodes many times, for the audit probe tests.
 *
 *   audit_opener [-n N] [-p PROCS] [-r] [-H] PATH...
 *
 * Each of PROCS processes opens every PATH N times (open + close). With -r
 * each successful open is followed by a re-open through /proc/self/fd/FD.
 * With -H each process stops itself (SIGSTOP) after half of its N rounds,
 * so that a test can act in the middle of a storm, however fast the machine
 * is, and let it go on with SIGCONT.
 * Prints one line "attempts=A ok=O eperm=E other=X": every open(2) that
 * named a camera node is an attempt, so the audit log must hold A records
 * from this program. Exit 0 when every attempt ended in success or EPERM.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct counts {
	long attempts, ok, eperm, other;
};

static void one_open(const char *path, bool reopen, struct counts *c)
{
	char proc[64];
	int fd, fd2;

	c->attempts++;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EPERM)
			c->eperm++;
		else
			c->other++;
		return;
	}
	c->ok++;
	if (reopen) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		c->attempts++;
		fd2 = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd2 >= 0) {
			c->ok++;
			close(fd2);
		} else if (errno == EPERM) {
			c->eperm++;
		} else {
			c->other++;
		}
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct counts *shared, total = { 0 };
	long n = 1, procs = 1, p, i;
	bool reopen = false, halfway_stop = false;
	int c, j, status, bad = 0;

	while ((c = getopt(argc, argv, "n:p:rH")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'p': procs = atol(optarg); break;
		case 'r': reopen = true; break;
		case 'H': halfway_stop = true; break;
		default:
			fprintf(stderr, "usage: audit_opener [-n N] [-p PROCS] [-r] [-H] PATH...\n");
			return 2;
		}
	}
	if (optind >= argc || n < 1 || procs < 1 || procs > 64)
		return 2;
	shared = mmap(NULL, procs * sizeof(*shared), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	memset(shared, 0, procs * sizeof(*shared));
	for (p = 0; p < procs; p++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			for (i = 0; i < n; i++) {
				if (halfway_stop && i == n / 2)
					raise(SIGSTOP);
				for (j = optind; j < argc; j++)
					one_open(argv[j], reopen, &shared[p]);
			}
			_exit(0);
		}
	}
	for (p = 0; p < procs; p++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
	}
	for (p = 0; p < procs; p++) {
		total.attempts += shared[p].attempts;
		total.ok += shared[p].ok;
		total.eperm += shared[p].eperm;
		total.other += shared[p].other;
	}
	printf("attempts=%ld ok=%ld eperm=%ld other=%ld\n", total.attempts,
	       total.ok, total.eperm, total.other);
	return bad || total.other ? 1 : 0;
}
