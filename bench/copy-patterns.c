/* copy-patterns: barge's ways of copying a file's bytes, in C without Node, to tell what
 * the system calls cost from what barge adds (bench/results/2026-12-03-page-cache.md).
 *
 *   gcc -O2 -pthread -o /tmp/copy-patterns bench/copy-patterns.c
 *   /tmp/copy-patterns PATTERN THREADS DSTDIR FILE...
 *
 * Copies each FILE to DSTDIR/<index>-<name>, THREADS files at a time, in 256 KiB blocks
 * (BLOCK_KIB=n for another size). PATTERN:
 *   whole      copy_file_range of the whole file, as cp does
 *   kernel     pread each block (barge hashes it), then copy_file_range it
 *   kernel-drop  the same, then drop the source's copied bytes from the page cache
 *              in whole 2 MiB steps (posix_fadvise DONTNEED), as barge does by default
 *   memory     pread each block, then pwrite it
 *   memory-drop  the same, dropping the source's bytes behind
 * Nothing is hashed unless HASH=1: then each block read is hashed with XXH3-64, as barge
 * does by default, through Debian's libxxhash (libxxhash0, which rsync links; loaded at
 * run time, so no header is needed), for the floor of barge's work in C. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DROP_STEP ((off_t)2 << 20)

enum pattern { WHOLE, KERNEL, MEMORY };
static enum pattern pattern;
static int drop_behind;
static size_t block = 256 << 10;
static const char *dst_dir;
static char **files;
static int nfiles;
static atomic_int next_file;

/* XXH3-64's streaming calls, from libxxhash when HASH=1 */
static void *(*xxh3_create)(void);
static int (*xxh3_reset)(void *);
static int (*xxh3_update)(void *, const void *, size_t);
static uint64_t (*xxh3_digest)(const void *);
static atomic_uint_fast64_t hash_sum; /* so that the hashing cannot be left out */

static void load_xxhash(void) {
  void *lib = dlopen("libxxhash.so.0", RTLD_NOW);
  if (!lib) { fprintf(stderr, "copy-patterns: HASH=1 needs libxxhash.so.0 (Debian package libxxhash0): %s\n", dlerror()); exit(2); }
  xxh3_create = (void *(*)(void))dlsym(lib, "XXH3_createState");
  xxh3_reset = (int (*)(void *))dlsym(lib, "XXH3_64bits_reset");
  xxh3_update = (int (*)(void *, const void *, size_t))dlsym(lib, "XXH3_64bits_update");
  xxh3_digest = (uint64_t (*)(const void *))dlsym(lib, "XXH3_64bits_digest");
  if (!xxh3_create || !xxh3_reset || !xxh3_update || !xxh3_digest) { fprintf(stderr, "copy-patterns: libxxhash lacks XXH3's streaming calls\n"); exit(2); }
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "copy-patterns: %s %s: ", what, path);
  perror(NULL);
  exit(1);
}

/* bytes [0, done) of src are copied: drop the whole steps among them, or all at the end */
static void drop_copied(int src, off_t done, off_t size, off_t *dropped) {
  off_t upto = done == size ? size : done - done % DROP_STEP;
  if (upto > *dropped) {
    posix_fadvise(src, *dropped, upto - *dropped, POSIX_FADV_DONTNEED);
    *dropped = upto;
  }
}

static void copy_blocks(int src, int dst, off_t size, char *buf, void *hash, const char *path) {
  off_t dropped = 0;
  if (hash) xxh3_reset(hash);
  for (off_t at = 0; at < size; at += (off_t)block) {
    size_t n = size - at < (off_t)block ? (size_t)(size - at) : block;
    if (pread(src, buf, n, at) != (ssize_t)n) die("pread", path);
    if (hash) xxh3_update(hash, buf, n);
    if (pattern == KERNEL) {
      off_t from = at, to = at;
      for (size_t left = n; left > 0;) {
        ssize_t k = copy_file_range(src, &from, dst, &to, left, 0);
        if (k <= 0) die("copy_file_range", path);
        left -= (size_t)k;
      }
    } else if (pwrite(dst, buf, n, at) != (ssize_t)n) {
      die("pwrite", path);
    }
    if (drop_behind) drop_copied(src, at + (off_t)n, size, &dropped);
  }
  if (hash) atomic_fetch_add(&hash_sum, xxh3_digest(hash));
}

static void *copier(void *unused) {
  (void)unused;
  char *buf = aligned_alloc(4096, block);
  if (!buf) die("allocate", "buffer");
  memset(buf, 0, block);
  void *hash = xxh3_create ? xxh3_create() : NULL;
  for (int i; (i = atomic_fetch_add(&next_file, 1)) < nfiles;) {
    char name[4096], path[8192];
    snprintf(name, sizeof name, "%s", files[i]);
    snprintf(path, sizeof path, "%s/%d-%s", dst_dir, i, basename(name));
    int src = open(files[i], O_RDONLY);
    if (src < 0) die("open", files[i]);
    struct stat st;
    if (fstat(src, &st) != 0) die("fstat", files[i]);
    int dst = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (dst < 0) die("open", path);
    if (pattern == WHOLE) {
      for (off_t from = 0, to = 0; from < st.st_size;) {
        if (copy_file_range(src, &from, dst, &to, (size_t)(st.st_size - from), 0) <= 0) die("copy_file_range", files[i]);
      }
    } else {
      copy_blocks(src, dst, st.st_size, buf, hash, files[i]);
    }
    close(src);
    close(dst);
  }
  free(buf);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: copy-patterns whole|kernel|kernel-drop|memory|memory-drop THREADS DSTDIR FILE...\n");
    return 2;
  }
  const char *p = argv[1];
  if (strcmp(p, "whole") == 0) pattern = WHOLE;
  else if (strncmp(p, "kernel", 6) == 0) pattern = KERNEL;
  else if (strncmp(p, "memory", 6) == 0) pattern = MEMORY;
  else { fprintf(stderr, "copy-patterns: unknown pattern %s\n", p); return 2; }
  drop_behind = strstr(p, "-drop") != NULL;
  const char *kib = getenv("BLOCK_KIB");
  if (kib) block = (size_t)atol(kib) << 10;
  int threads = atoi(argv[2]);
  if (threads < 1 || threads > 64 || block == 0) { fprintf(stderr, "copy-patterns: THREADS 1-64, BLOCK_KIB > 0\n"); return 2; }
  const char *h = getenv("HASH");
  if (h && strcmp(h, "1") == 0) load_xxhash();
  dst_dir = argv[3];
  files = argv + 4;
  nfiles = argc - 4;
  if (mkdir(dst_dir, 0755) != 0 && access(dst_dir, W_OK) != 0) die("mkdir", dst_dir);
  pthread_t t[64];
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, copier, NULL);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  if (xxh3_create) fprintf(stderr, "copy-patterns: sum of the files' XXH3-64 %016llx\n", (unsigned long long)hash_sum);
  return 0;
}
