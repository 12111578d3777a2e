// kinvault-pdf-worker: one PDF job per process, for PDFs nobody should trust (security.md, "PoDoFo 0.9.8 on
// hostile input"). kinvaultd never links PoDoFo; it starts this program through pdf/gateway.h per job.
//
// Life of a job
//   1. harden(): core dumps off and not ptrace-able, no_new_privs, rlimits (CPU, address space, file size 0,
//      open files, core 0), every inherited descriptor above stderr closed. The gateway sets the same limits
//      between fork and exec; this repeats them so the worker is safe even when started by hand.
//   2. Read the request (protocol in pdf/worker_protocol.h): argv[1] names the operation, stdin carries a
//      length-prefixed header of parameters and then the input until EOF.
//   3. operation.prepare(job), if any: the only place an operation may open files (fonts, templates).
//   4. Libraries that set themselves up lazily with system calls are set up now (OpenSSL providers, Botan's
//      locked pool). The seccomp allow-list goes on (default action: kill the process). From here on the
//      worker can compute on memory and write to stdout/stderr, nothing else.
//   5. operation.run(job) returns the reply; it is written to stdout and the process ends with _exit().
//
// Adding an operation: write `Reply run_NAME(Job&)` (and `Status prepare_NAME(Job&)` if it must load files;
// stash what it loaded in job.prepared), then add one row to `operations` below. run() must not open files,
// sockets or threads: the filter kills the process if it tries. Throwing std::bad_alloc turns into a
// too_big_to_parse refusal; any other exception into an "error" reply.
//
// The selftest-* operations exist so the sandbox can be proven at any time (tests, or a daemon health check):
// each one deliberately runs into one of the limits above.

#include "crypto/sha256.h"
#include "pdf/codec.h"
#include "pdf/inspect.h"
#include "pdf/render.h"
#include "pdf/sign.h"
#include "pdf/stamp.h"
#include "pdf/template.h"
#include "pdf/worker_protocol.h"

#include <openssl/provider.h>
#include <seccomp.h>

#include <algorithm>
#include <any>
#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <fcntl.h>
#include <memory>
#include <new>
#include <string_view>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

using kinvault::Bytes;
using kinvault::Errc;
using kinvault::Error;
using kinvault::Status;
namespace codec = kinvault::pdf::codec;
namespace pdf = kinvault::pdf;
namespace wire = kinvault::pdf::wire;

// Used only when the parent did not already set a limit (e.g. the worker was started by hand).
constexpr rlim_t fallback_cpu_seconds = 20;
constexpr rlim_t fallback_address_space = rlim_t{1} << 30;
// stdin, stdout, stderr and a few files an operation's prepare() may open.
constexpr rlim_t max_open_files = 16;

struct Job {
    std::string_view operation;
    wire::Header params;
    Bytes input;
    std::any prepared; // whatever prepare() loaded for run()
};

struct Reply {
    wire::Header header;
    Bytes payload;
};

struct Operation {
    std::string_view name;
    Status (*prepare)(Job&); // may be nullptr
    Reply (*run)(Job&);
};

// ---------------------------------------------------------------------------------------------------------
// Sandbox

void set_limit(int resource, rlim_t value) {
    rlimit limit{value, value};
    if (resource == RLIMIT_CPU) {
        // The soft limit sends SIGXCPU, the hard one SIGKILL a second later if SIGXCPU is caught or ignored.
        limit.rlim_max = value + 1;
    }
    static_cast<void>(setrlimit(resource, &limit));
}

// Keep a finite limit the parent chose; fill in ours where none is set.
void limit_if_unlimited(int resource, rlim_t fallback) {
    rlimit current{};
    if (getrlimit(resource, &current) != 0 || current.rlim_cur == RLIM_INFINITY) {
        set_limit(resource, fallback);
    }
}

void harden() {
    // PR_SET_DUMPABLE resets on execve, so only the worker itself can clear it: no core dump (even through a
    // core_pattern pipe, which ignores RLIMIT_CORE) and no ptrace attach by same-uid processes.
    static_cast<void>(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    static_cast<void>(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    limit_if_unlimited(RLIMIT_CPU, fallback_cpu_seconds);
#if !defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer reserves terabytes of shadow memory; an address-space limit would stop it from
    // starting.
    limit_if_unlimited(RLIMIT_AS, fallback_address_space);
#endif
    set_limit(RLIMIT_FSIZE, 0);
    set_limit(RLIMIT_CORE, 0);
    rlimit files{};
    if (getrlimit(RLIMIT_NOFILE, &files) != 0 || files.rlim_cur > max_open_files) {
        set_limit(RLIMIT_NOFILE, max_open_files);
    }
    // Libraries stamp dates through localtime(), which opens /etc/localtime on first use: load the zone now,
    // while files may still be opened, and make it UTC so the worker's output never depends on the host.
    static_cast<void>(setenv("TZ", "UTC", 1));
    tzset();
    if (close_range(3, ~0U, 0) != 0) {
        for (int fd = 3; fd < static_cast<int>(max_open_files) * 64; ++fd) {
            static_cast<void>(close(fd));
        }
    }
}

// PoDoFo decrypts with OpenSSL. The standard security handler's revisions 2 to 4 (PDF 32000 7.6.3) need RC4
// and MD5 even to check an empty user password, and OpenSSL 3 keeps RC4 in its "legacy" provider, which is
// not loaded by default: without this, every RC4- or AES-128-encrypted PDF would fail to open. Loading the
// providers also reads OpenSSL's configuration now, before the filter forbids opening files.
void load_crypto_providers() {
    static_cast<void>(OSSL_PROVIDER_load(nullptr, "legacy"));
    // Loading any provider explicitly switches off the implicit default provider; keep it (AES, SHA-2, MD5).
    static_cast<void>(OSSL_PROVIDER_load(nullptr, "default"));
}

// Botan sets up its locked-memory pool on first use (getrlimit, mmap, mlock), which the filter would
// forbid; stamp and sign hash with Botan (crypto/sha256.h) to derive font subset tags. One hash now does
// that set-up while system calls are still allowed, instead of widening the allow-list.
void warm_up_botan() {
    static_cast<void>(kinvault::crypto::sha256(std::string_view("kinvault")));
}

// Default action kills the whole process (SIGSYS): a hostile PDF that gained control of the parser can still
// only burn its own CPU and memory and write to the pipes it already has.
bool install_seccomp() {
    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (filter == nullptr) {
        return false;
    }
    bool ok = true;
    const auto allow = [&](int syscall) {
        ok = ok && seccomp_rule_add(filter, SCMP_ACT_ALLOW, syscall, 0) == 0;
    };
    for (const int syscall : {SCMP_SYS(read),
                              SCMP_SYS(close),
                              SCMP_SYS(exit),
                              SCMP_SYS(exit_group),
                              SCMP_SYS(brk),
                              SCMP_SYS(munmap),
                              SCMP_SYS(mremap),
                              SCMP_SYS(madvise),
                              SCMP_SYS(futex),
                              SCMP_SYS(rt_sigreturn),
                              SCMP_SYS(rt_sigprocmask),
                              SCMP_SYS(clock_gettime),
                              SCMP_SYS(gettimeofday),
                              SCMP_SYS(getrandom),
                              SCMP_SYS(fstat),
                              SCMP_SYS(newfstatat),
                              SCMP_SYS(lseek),
                              SCMP_SYS(getpid),
                              SCMP_SYS(gettid),
                              SCMP_SYS(sched_yield),
                              SCMP_SYS(restart_syscall)}) {
        allow(syscall);
    }
    // Output goes only to the pipes set up by the gateway.
    ok = ok && seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 1)) == 0;
    ok = ok && seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 2)) == 0;
    // Memory, but never executable memory: injected code cannot be mapped and run.
    ok = ok && seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                                SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) == 0;
    ok = ok && seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                                SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) == 0;
    // abort() raises SIGABRT on itself; allowing exactly that keeps a crash reported as a crash, not as
    // SIGSYS.
    ok = ok && seccomp_rule_add(filter, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 2,
                                SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(getpid())),
                                SCMP_A2(SCMP_CMP_EQ, SIGABRT)) == 0;
    ok = ok && seccomp_load(filter) == 0;
    seccomp_release(filter);
    return ok;
}

// ---------------------------------------------------------------------------------------------------------
// I/O (blocking; the gateway drains both pipes with poll, so blocking here cannot deadlock)

bool read_exact(std::uint8_t* out, std::size_t size) {
    while (size > 0) {
        const ssize_t n = read(STDIN_FILENO, out, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        out += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool read_to_end(Bytes& out) {
    constexpr std::size_t chunk = std::size_t{256} * 1024;
    while (true) {
        const std::size_t used = out.size();
        out.resize(used + chunk);
        const ssize_t n = read(STDIN_FILENO, out.data() + used, chunk);
        if (n < 0 && errno == EINTR) {
            out.resize(used);
            continue;
        }
        out.resize(used + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
        if (n <= 0) {
            return n == 0;
        }
    }
}

bool write_all(const std::uint8_t* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = write(STDOUT_FILENO, data, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

[[noreturn]] void send(const Reply& reply, int exit_code) {
    const Bytes frame = wire::frame_header(reply.header);
    const bool ok =
        write_all(frame.data(), frame.size()) && write_all(reply.payload.data(), reply.payload.size());
    // _exit, not exit: static destructors and atexit handlers are not ours to audit under the filter.
    _exit(ok ? exit_code : wire::exit_error);
}

// The exit status follows the reply's status, as the protocol says (2 for "error", else 0).
[[noreturn]] void send_reply(const Reply& reply) {
    const bool failed = wire::find(reply.header, "status") == wire::status_error;
    send(reply, failed ? wire::exit_error : wire::exit_reply);
}

[[noreturn]] void send_error(std::string_view message) {
    send(Reply{wire::error_header(message), {}}, wire::exit_error);
}

// ---------------------------------------------------------------------------------------------------------
// Operations

Reply run_inspect(Job& job) {
    auto limits = wire::limits_from_params(job.params);
    if (!limits) {
        return Reply{wire::error_header(limits.error().message), {}};
    }
    std::string detail;
    const auto report = pdf::inspect(job.input, *limits, &detail);
    if (!report) {
        const auto refusal = pdf::refusal_of(report.error());
        return Reply{wire::refusal_header(refusal.value_or(pdf::IntakeRefusal::malformed), detail), {}};
    }
    return Reply{wire::report_to_header(*report), {}};
}

// ---------------------------------------------------------------------------------------------------------
// Document operations. The daemon calls these through pdf/remote.h; structured values travel as JSON
// (pdf/codec.h).
//   render             params  template (the text), template_source, values, page_size, document_id,
//                              created_at, font.regular, font.bold
//                      reply   pages, placements; payload: the PDF
//   stamp              params  items, font.regular, font.bold; input: the PDF
//                      reply   payload: the stamped PDF
//   prepare-signature  params  request, font; input: the PDF
//                      reply   prepared (byte range, placeholder, field name); payload: the prepared PDF
// A request the operation turns down (missing values, a field name taken) is answered with a rejection that
// keeps its Errc; a PDF PoDoFo cannot work with is answered with a refusal, as inspect does.

Reply reject(const Error& error) {
    if (codec::parse_rejection_code(kinvault::errc_name(error.code))) {
        return Reply{codec::rejection_header(error), {}};
    }
    return Reply{wire::error_header(error.message), {}};
}

// Before PoDoFo loads a document for an update, the same checks as intake (pre-scan, load, page tree): the
// daemon hands over documents it inspected on upload, but a verdict that does not depend on the caller
// is what keeps a hostile file from reaching the update code. An encrypted file is refused even when the
// empty password opens it: stamping or signing it would need the owner password.
std::optional<Reply> intake_refusal(const Bytes& input) {
    std::string detail;
    const auto report = pdf::inspect(input, pdf::IntakeLimits{}, &detail);
    if (!report) {
        const auto refusal = pdf::refusal_of(report.error()).value_or(pdf::IntakeRefusal::malformed);
        return Reply{wire::refusal_header(refusal, detail), {}};
    }
    if (report->encrypted) {
        return Reply{wire::refusal_header(pdf::IntakeRefusal::password_protected, "encrypted"), {}};
    }
    return std::nullopt;
}

// What stamp_fields and prepare_signature report as a PDF they cannot load or update becomes a refusal,
// so the uploader reads the same message as at intake.
Reply refuse_pdf(const Error& error) {
    if (error.code == Errc::unsupported_media) {
        return Reply{wire::refusal_header(pdf::IntakeRefusal::not_a_pdf, error.message), {}};
    }
    if (error.code == Errc::unprocessable) {
        return Reply{wire::refusal_header(pdf::IntakeRefusal::malformed, error.message), {}};
    }
    return reject(error);
}

std::string param(const Job& job, std::string_view key) {
    return std::string(wire::find(job.params, key).value_or(""));
}

// Fonts are read here, before the filter; render and stamp are given the bytes and open nothing.
Status prepare_font_set(Job& job) {
    pdf::FontFiles files;
    if (const auto regular = wire::find(job.params, "font.regular")) {
        files.regular = std::string(*regular);
    }
    if (const auto bold = wire::find(job.params, "font.bold")) {
        files.bold = std::string(*bold);
    }
    auto fonts = KV_TRY_VALUE(pdf::load_fonts(files));
    job.prepared = std::make_shared<const pdf::FontSet>(std::move(fonts));
    return {};
}

Reply run_render(Job& job) {
    const auto text = wire::find(job.params, "template");
    if (!text) {
        return reject(kinvault::make_error(Errc::invalid_input, "no template text was given"));
    }
    auto tmpl = pdf::parse_template(*text, param(job, "template_source"));
    if (!tmpl) {
        return reject(tmpl.error());
    }
    auto values = codec::decode_values(param(job, "values"));
    if (!values) {
        return reject(values.error());
    }
    const auto page_size = codec::parse_page_size(param(job, "page_size"));
    const std::string created_at = param(job, "created_at");
    kinvault::UnixTime created{0};
    const auto [end, error] =
        std::from_chars(created_at.data(), created_at.data() + created_at.size(), created);
    if (!page_size || error != std::errc{} || end != created_at.data() + created_at.size()) {
        return reject(kinvault::make_error(Errc::invalid_input, "bad page_size or created_at"));
    }
    pdf::RenderOptions options;
    options.page_size = *page_size;
    options.document_id = param(job, "document_id");
    options.created_at = created;
    options.fonts = std::any_cast<std::shared_ptr<const pdf::FontSet>>(job.prepared);
    auto rendered = pdf::render_template(*tmpl, *values, options);
    if (!rendered) {
        return reject(rendered.error());
    }
    wire::Header header{{"status", std::string(wire::status_ok)},
                        {"pages", std::to_string(rendered->pages)},
                        {"placements", codec::encode_placements(rendered->placements)}};
    return Reply{std::move(header), std::move(rendered->pdf)};
}

Reply run_stamp(Job& job) {
    auto items = codec::decode_stamp_items(param(job, "items"));
    if (!items) {
        return reject(items.error());
    }
    if (auto refused = intake_refusal(job.input)) {
        return std::move(*refused);
    }
    pdf::StampOptions options;
    options.fonts = std::any_cast<std::shared_ptr<const pdf::FontSet>>(job.prepared);
    auto stamped = pdf::stamp_fields(job.input, *items, options);
    if (!stamped) {
        return refuse_pdf(stamped.error());
    }
    return Reply{wire::Header{{"status", std::string(wire::status_ok)}}, std::move(stamped).value()};
}

Reply run_prepare_signature(Job& job) {
    auto request = codec::decode_signature_request(param(job, "request"));
    if (!request) {
        return reject(request.error());
    }
    // The appearance font was read in prepare_font_set, before the filter: prepare_signature embeds those
    // bytes and opens nothing.
    request->fonts = std::any_cast<std::shared_ptr<const pdf::FontSet>>(job.prepared);
    if (auto refused = intake_refusal(job.input)) {
        return std::move(*refused);
    }
    auto prepared = pdf::prepare_signature(job.input, *request);
    if (!prepared) {
        return refuse_pdf(prepared.error());
    }
    wire::Header header{{"status", std::string(wire::status_ok)},
                        {"prepared", codec::encode_prepared(*prepared)}};
    return Reply{std::move(header), std::move(prepared->pdf)};
}

// ---------------------------------------------------------------------------------------------------------
// Selftests

Reply run_selftest_echo(Job& job) {
    wire::Header header = job.params;
    header["status"] = std::string(wire::status_ok);
    return Reply{std::move(header), std::move(job.input)};
}

// Must die by SIGSYS: if open() ever returns, the filter is missing and the reply says so.
Reply run_selftest_forbidden_syscall(Job&) {
    const int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
    }
    return Reply{wire::Header{{"status", std::string(wire::status_ok)}, {"sandbox", "absent"}}, {}};
}

// Must die by SIGXCPU (RLIMIT_CPU) or by the gateway's wall clock, whichever is shorter.
Reply run_selftest_spin(Job&) {
    volatile std::uint64_t counter = 0;
    while (true) {
        counter = counter + 1;
    }
}

// Blocks without using CPU, before the filter: only the gateway's wall clock can end it.
Status prepare_selftest_hang(Job&) {
    while (true) {
        pause();
    }
}

Reply run_unreachable(Job&) {
    return Reply{wire::error_header("unreachable"), {}};
}

// Must end in bad_alloc under RLIMIT_AS, which the worker reports as too_big_to_parse.
Reply run_selftest_alloc(Job&) {
    std::vector<std::vector<std::uint8_t>> hoard;
    while (true) {
        hoard.emplace_back(std::size_t{64} << 20, std::uint8_t{1});
    }
}

// Must die by SIGABRT (the filter allows exactly that tgkill).
Reply run_selftest_abort(Job&) {
    std::abort();
}

constexpr std::array operations{
    Operation{"inspect", nullptr, run_inspect},
    Operation{"render", prepare_font_set, run_render},
    Operation{"stamp", prepare_font_set, run_stamp},
    Operation{"prepare-signature", prepare_font_set, run_prepare_signature},
    Operation{"selftest-echo", nullptr, run_selftest_echo},
    Operation{"selftest-forbidden-syscall", nullptr, run_selftest_forbidden_syscall},
    Operation{"selftest-spin", nullptr, run_selftest_spin},
    Operation{"selftest-hang", prepare_selftest_hang, run_unreachable},
    Operation{"selftest-alloc", nullptr, run_selftest_alloc},
    Operation{"selftest-abort", nullptr, run_selftest_abort},
};

const Operation* find_operation(std::string_view name) {
    const auto it = std::find_if(operations.begin(), operations.end(),
                                 [name](const Operation& operation) { return operation.name == name; });
    return it == operations.end() ? nullptr : &*it;
}

Job read_job(std::string_view operation) {
    Job job;
    job.operation = operation;
    std::array<std::uint8_t, wire::length_prefix_bytes> prefix{};
    if (!read_exact(prefix.data(), prefix.size())) {
        send_error("request shorter than its length prefix");
    }
    const std::uint32_t length = wire::read_length_prefix(prefix).value_or(0);
    if (length > wire::max_header_bytes) {
        send_error("request header too large");
    }
    std::string text(length, '\0');
    if (!read_exact(reinterpret_cast<std::uint8_t*>(text.data()), text.size())) {
        send_error("request header truncated");
    }
    auto params = wire::decode_header(text);
    if (!params) {
        send_error(params.error().message);
    }
    job.params = std::move(params).value();
    if (!read_to_end(job.input)) {
        send_error("reading the input failed");
    }
    return job;
}

} // namespace

int main(int argc, char** argv) {
    harden();
    if (argc != 2) {
        send_error("usage: kinvault-pdf-worker OPERATION < request");
    }
    const Operation* operation = find_operation(argv[1]);
    if (operation == nullptr) {
        send_error("unknown operation");
    }
    try {
        Job job = read_job(operation->name);
        if (operation->prepare != nullptr) {
            const Status prepared = operation->prepare(job);
            if (!prepared) {
                // A font that cannot be read is `unavailable`, a request that does not decode
                // `invalid_input`: keep the code for the daemon instead of flattening it into an error.
                send_reply(reject(prepared.error()));
            }
        }
        load_crypto_providers();
        warm_up_botan();
        if (!install_seccomp()) {
            send_error("could not install the seccomp filter");
        }
        send_reply(operation->run(job));
    } catch (const std::bad_alloc&) {
        send(Reply{wire::refusal_header(pdf::IntakeRefusal::too_big_to_parse, "out of memory"), {}},
             wire::exit_reply);
    } catch (const std::exception& error) {
        send_error(error.what());
    }
}
