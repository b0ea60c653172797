#define _GNU_SOURCE
#include "page_zero_fill.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// Below 1 MiB a fill is written: reading /proc/self/maps costs tens of microseconds, and libvpx's per-frame fills
// are all far smaller than that, so only allocation-time fills take the page route.
#define TRTC_ZERO_FILL_MINIMUM_BYTES ((size_t)1 << 20)

// Process-wide by nature: the GOT slot patched once, and a statistic of what was released.
static _Atomic size_t released_bytes_total;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static trtc_page_zero_fill_status install_status;

size_t trtc_page_zero_fill_minimum_bytes(void) { return TRTC_ZERO_FILL_MINIMUM_BYTES; }

size_t trtc_page_zero_fill_released_bytes(void) { return atomic_load(&released_bytes_total); }

// --- /proc/self/maps, read without allocating (the caller may be inside an allocator's client) ---

static const char *parse_hex(const char *cursor, const char *end, uintptr_t *value) {
    uintptr_t result = 0;
    const char *start = cursor;
    for (; cursor < end; cursor++) {
        char c = *cursor;
        unsigned digit;
        if (c >= '0' && c <= '9') digit = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') digit = (unsigned)(c - 'a' + 10);
        else break;
        result = (result << 4) | digit;
    }
    *value = result;
    return cursor == start ? NULL : cursor;
}

static const char *skip_field(const char *cursor, const char *end) {
    while (cursor < end && *cursor != ' ') cursor++;
    while (cursor < end && *cursor == ' ') cursor++;
    return cursor;
}

// One line: "start-end perms offset major:minor inode   path". True when it is private anonymous writable
// memory: the heap, an unnamed or named anonymous mapping (not a file, shared memory, stack or special mapping).
static int parse_private_anonymous(const char *line, const char *end, uintptr_t *start, uintptr_t *stop) {
    const char *cursor = parse_hex(line, end, start);
    if (!cursor || cursor >= end || *cursor != '-') return -1;
    cursor = parse_hex(cursor + 1, end, stop);
    if (!cursor || end - cursor < 6) return -1;
    const char *perms = cursor + 1;
    int qualifies = perms[0] == 'r' && perms[1] == 'w' && perms[3] == 'p';
    cursor = skip_field(perms, end);   // perms
    cursor = skip_field(cursor, end);  // offset
    cursor = skip_field(cursor, end);  // device
    uintptr_t inode = 0;
    if (!parse_hex(cursor, end, &inode)) return -1;  // decimal, but only zero matters
    cursor = skip_field(cursor, end);
    size_t path_length = (size_t)(end - cursor);
    int anonymous_path = path_length == 0 || (path_length == 6 && memcmp(cursor, "[heap]", 6) == 0) ||
                         (path_length > 6 && memcmp(cursor, "[anon:", 6) == 0);
    return qualifies && inode == 0 && anonymous_path;
}

// True when [start, end) is covered by consecutive private anonymous writable mappings.
static int range_is_private_anonymous(uintptr_t start, uintptr_t end) {
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buffer[8192];
    size_t filled = 0;
    uintptr_t covered_until = start;
    int verdict = 0, finished = 0;
    while (!finished) {
        ssize_t count = read(fd, buffer + filled, sizeof buffer - filled);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        filled += (size_t)count;
        char *line = buffer;
        char *newline;
        while (!finished && (newline = memchr(line, '\n', (size_t)(buffer + filled - line))) != NULL) {
            uintptr_t map_start, map_end;
            int anonymous = parse_private_anonymous(line, newline, &map_start, &map_end);
            line = newline + 1;
            if (anonymous < 0 || map_end <= covered_until) continue;
            if (map_start > covered_until || !anonymous) { finished = 1; break; }
            covered_until = map_end;
            if (covered_until >= end) { verdict = 1; finished = 1; }
        }
        size_t rest = (size_t)(buffer + filled - line);
        if (rest == sizeof buffer) break;  // a line longer than the buffer: give up, the caller writes
        memmove(buffer, line, rest);
        filled = rest;
    }
    close(fd);
    return verdict;
}

size_t trtc_page_zero_fill(void *destination, size_t length) {
    uintptr_t begin = (uintptr_t)destination, end = begin + length;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t inner_begin = (begin + page - 1) & ~(page - 1), inner_end = end & ~(page - 1);
    if (length < TRTC_ZERO_FILL_MINIMUM_BYTES || inner_end <= inner_begin ||
        !range_is_private_anonymous(inner_begin, inner_end)) {
        memset(destination, 0, length);
        return 0;
    }
    size_t inner_length = inner_end - inner_begin;
    // Without this, with transparent huge pages "always", each sparse write would fault in a whole 2 MiB again.
    (void)madvise((void *)inner_begin, inner_length, MADV_NOHUGEPAGE);
    if (madvise((void *)inner_begin, inner_length, MADV_DONTNEED) != 0) {
        memset(destination, 0, length);  // e.g. locked pages
        return 0;
    }
    memset(destination, 0, inner_begin - begin);
    memset((void *)inner_end, 0, end - inner_end);
    atomic_fetch_add(&released_bytes_total, inner_length);
    return inner_length;
}

// What libvpx's memset calls reach once installed.
static void *libvpx_memset(void *destination, int value, size_t length) {
    if (value != 0 || length < TRTC_ZERO_FILL_MINIMUM_BYTES) return memset(destination, value, length);
    trtc_page_zero_fill(destination, length);
    return destination;
}

// --- libvpx's GOT ---

#if defined(__x86_64__)
#define TRTC_JUMP_SLOT R_X86_64_JUMP_SLOT
#define TRTC_GLOB_DAT R_X86_64_GLOB_DAT
#elif defined(__aarch64__)
#define TRTC_JUMP_SLOT R_AARCH64_JUMP_SLOT
#define TRTC_GLOB_DAT R_AARCH64_GLOB_DAT
#endif

#if defined(TRTC_JUMP_SLOT)
struct libvpx_search {
    int found_library;
    int slots_patched;
    int protect_failed;
};

// ld.so relocates the dynamic section's addresses in place on these architectures; allow for loaders that don't.
static uintptr_t dynamic_address(uintptr_t value, uintptr_t base) { return value < base ? value + base : value; }

static int patch_slot(void **slot, uintptr_t relro_start, uintptr_t relro_end) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t address = (uintptr_t)slot;
    int read_only = address >= relro_start && address < relro_end;  // RELRO: read-only after loading (BIND_NOW)
    void *slot_page = (void *)(address & ~(page - 1));
    if (read_only && mprotect(slot_page, page, PROT_READ | PROT_WRITE) != 0) return -1;
    __atomic_store_n(slot, (void *)libvpx_memset, __ATOMIC_RELEASE);
    if (read_only) (void)mprotect(slot_page, page, PROT_READ);
    return 0;
}

static void patch_relocations(const ElfW(Rela) *relocations, size_t bytes, const ElfW(Sym) *symbols,
                              const char *strings, uintptr_t base, uintptr_t relro_start, uintptr_t relro_end,
                              struct libvpx_search *search) {
    size_t count = bytes / sizeof(ElfW(Rela));
    for (size_t index = 0; index < count; index++) {
        const ElfW(Rela) *relocation = &relocations[index];
        unsigned long type = ELF64_R_TYPE(relocation->r_info);
        if (type != TRTC_JUMP_SLOT && type != TRTC_GLOB_DAT) continue;
        const ElfW(Sym) *symbol = &symbols[ELF64_R_SYM(relocation->r_info)];
        if (strcmp(strings + symbol->st_name, "memset") != 0) continue;
        if (patch_slot((void **)(base + relocation->r_offset), relro_start, relro_end) == 0) search->slots_patched++;
        else search->protect_failed = 1;
    }
}

static int find_libvpx(struct dl_phdr_info *info, size_t size, void *context) {
    (void)size;
    struct libvpx_search *search = context;
    const char *name = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
    name = name ? name + 1 : info->dlpi_name;
    if (!name || strncmp(name, "libvpx.so", 9) != 0) return 0;
    search->found_library = 1;

    uintptr_t base = info->dlpi_addr, relro_start = 0, relro_end = 0;
    const ElfW(Dyn) *dynamic = NULL;
    for (ElfW(Half) index = 0; index < info->dlpi_phnum; index++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[index];
        if (header->p_type == PT_DYNAMIC) dynamic = (const ElfW(Dyn) *)(base + header->p_vaddr);
        if (header->p_type == PT_GNU_RELRO) {
            relro_start = base + header->p_vaddr;
            relro_end = relro_start + header->p_memsz;
        }
    }
    if (!dynamic) return 1;

    uintptr_t symbols = 0, strings = 0, plt_relocations = 0, relocations = 0;
    size_t plt_bytes = 0, relocation_bytes = 0;
    long plt_kind = DT_RELA;
    for (const ElfW(Dyn) *entry = dynamic; entry->d_tag != DT_NULL; entry++) {
        switch (entry->d_tag) {
        case DT_SYMTAB: symbols = dynamic_address(entry->d_un.d_ptr, base); break;
        case DT_STRTAB: strings = dynamic_address(entry->d_un.d_ptr, base); break;
        case DT_JMPREL: plt_relocations = dynamic_address(entry->d_un.d_ptr, base); break;
        case DT_PLTRELSZ: plt_bytes = entry->d_un.d_val; break;
        case DT_PLTREL: plt_kind = (long)entry->d_un.d_val; break;
        case DT_RELA: relocations = dynamic_address(entry->d_un.d_ptr, base); break;
        case DT_RELASZ: relocation_bytes = entry->d_un.d_val; break;
        default: break;
        }
    }
    if (!symbols || !strings) return 1;
    if (plt_relocations && plt_kind == DT_RELA)
        patch_relocations((const ElfW(Rela) *)plt_relocations, plt_bytes, (const ElfW(Sym) *)symbols,
                          (const char *)strings, base, relro_start, relro_end, search);
    if (relocations)
        patch_relocations((const ElfW(Rela) *)relocations, relocation_bytes, (const ElfW(Sym) *)symbols,
                          (const char *)strings, base, relro_start, relro_end, search);
    return 1;
}
#endif

static void install(void) {
#if defined(TRTC_JUMP_SLOT)
    struct libvpx_search search = {0, 0, 0};
    dl_iterate_phdr(find_libvpx, &search);
    if (!search.found_library) install_status = TRTC_PAGE_ZERO_FILL_LIBVPX_NOT_LOADED;
    else if (search.protect_failed) install_status = TRTC_PAGE_ZERO_FILL_PROTECT_FAILED;
    else if (search.slots_patched == 0) install_status = TRTC_PAGE_ZERO_FILL_NO_MEMSET_SLOT;
    else install_status = TRTC_PAGE_ZERO_FILL_INSTALLED;
#else
    install_status = TRTC_PAGE_ZERO_FILL_UNSUPPORTED_ARCHITECTURE;
#endif
}

trtc_page_zero_fill_status trtc_page_zero_fill_install_in_libvpx(void) {
    pthread_once(&install_once, install);
    return install_status;
}
