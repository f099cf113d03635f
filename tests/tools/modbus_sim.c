/* SPDX-License-Identifier: MIT */
/*
 * A Modbus TCP server for tests (libmodbus): serves 1000 holding and 1000 input registers
 * on 127.0.0.1, on a free port printed as "port N" on stdout once listening. Commands on
 * stdin, one per line, each answered "ok" (or "error ..."):
 *   h ADDR VALUE   set holding register ADDR (0..999) to VALUE (0..65535)
 *   i ADDR VALUE   set input register ADDR
 *   mute           stop answering requests (they are read and dropped: a timeout)
 *   unmute         answer again
 *   quit           exit (also on end of input)
 * Registers 1000 and above answer a Modbus exception (illegal data address).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <modbus.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define NREGS 1000

static int command(modbus_mapping_t *map, char *line, bool *mute)
{
	char op[16];
	long addr, value;

	if (sscanf(line, "%15s", op) != 1)
		return 0;
	if (strcmp(op, "quit") == 0)
		return 1;
	if (strcmp(op, "mute") == 0 || strcmp(op, "unmute") == 0) {
		*mute = op[0] == 'm';
		printf("ok\n");
		return 0;
	}
	if (sscanf(line, "%15s %ld %ld", op, &addr, &value) != 3 || addr < 0 || addr >= NREGS ||
	    value < 0 || value > 65535 || (strcmp(op, "h") != 0 && strcmp(op, "i") != 0)) {
		printf("error bad command\n");
		return 0;
	}
	if (op[0] == 'h')
		map->tab_registers[addr] = (uint16_t)value;
	else
		map->tab_input_registers[addr] = (uint16_t)value;
	printf("ok\n");
	return 0;
}

int main(void)
{
	modbus_t *mb = modbus_new_tcp("127.0.0.1", 0);
	modbus_mapping_t *map = modbus_mapping_new(0, 0, NREGS, NREGS);
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int lsock, clients[16], nclients = 0;
	bool mute = false;
	char line[256];
	size_t used = 0;

	if (mb == NULL || map == NULL)
		return 1;
	lsock = modbus_tcp_listen(mb, 4);
	if (lsock < 0 || getsockname(lsock, (struct sockaddr *)&a, &alen) != 0) {
		fprintf(stderr, "modbus_sim: listen: %s\n", modbus_strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("port %d\n", ntohs(a.sin_port));
	for (;;) {
		fd_set rd;
		int maxfd = lsock;

		FD_ZERO(&rd);
		FD_SET(0, &rd);
		FD_SET(lsock, &rd);
		for (int i = 0; i < nclients; i++) {
			FD_SET(clients[i], &rd);
			if (clients[i] > maxfd)
				maxfd = clients[i];
		}
		if (select(maxfd + 1, &rd, NULL, NULL, NULL) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (FD_ISSET(0, &rd)) {
			ssize_t n = read(0, line + used, sizeof(line) - 1 - used);
			char *nl;

			if (n <= 0)
				break;
			used += (size_t)n;
			line[used] = '\0';
			while ((nl = strchr(line, '\n')) != NULL) {
				*nl = '\0';
				if (command(map, line, &mute))
					goto out;
				memmove(line, nl + 1, used - (size_t)(nl + 1 - line) + 1);
				used -= (size_t)(nl + 1 - line);
			}
			if (used == sizeof(line) - 1)
				used = 0;
		}
		if (FD_ISSET(lsock, &rd) && nclients < 16) {
			int c = accept(lsock, NULL, NULL);

			if (c >= 0)
				clients[nclients++] = c;
		}
		for (int i = 0; i < nclients; i++) {
			uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
			int n;

			if (!FD_ISSET(clients[i], &rd))
				continue;
			modbus_set_socket(mb, clients[i]);
			n = modbus_receive(mb, q);
			if (n > 0 && !mute) {
				modbus_reply(mb, q, n, map);
			} else if (n < 0) {
				close(clients[i]);
				clients[i--] = clients[--nclients];
			}
		}
	}
out:
	for (int i = 0; i < nclients; i++)
		close(clients[i]);
	close(lsock);
	modbus_mapping_free(map);
	modbus_free(mb);
	return 0;
}
