// The daemon side of PDF processing: the wire format, and the gateway driving real worker processes through
// every way a job can end. The selftest-* operations of kinvault-pdf-worker run into each sandbox limit on
// purpose; small shell scripts stand in for workers that misbehave at the process level.
#include "hostile_pdfs.h"
#include "pdf/gateway.h"
#include "pdf/worker_protocol.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;
using kinvault::Bytes;
using kinvault::Errc;
using kinvault::Result;
using kinvault::to_bytes;
using kinvault::pdf::GatewayConfig;
using kinvault::pdf::input_from;
using kinvault::pdf::InputSource;
using kinvault::pdf::IntakeLimits;
using kinvault::pdf::IntakeRefusal;
using kinvault::pdf::PdfGateway;
using kinvault::pdf::refusal_of;
using kinvault::pdf::WorkerEnd;
namespace wire = kinvault::pdf::wire;

GatewayConfig worker_config() {
    GatewayConfig config;
    config.worker_path = KINVAULT_PDF_WORKER;
    return config;
}

std::size_t open_descriptors() {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        ++count;
    }
    return count;
}

// No child left behind (not even a zombie) and no descriptor leaked since `before`.
void require_clean(std::size_t before) {
    errno = 0;
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
    CHECK(errno == ECHILD);
    CHECK(open_descriptors() == before);
}

Bytes pattern(std::size_t size) {
    Bytes bytes(size);
    for (std::size_t i = 0; i < size; ++i) {
        bytes[i] = static_cast<std::uint8_t>((i * 31 + i / 251) & 0xFF);
    }
    return bytes;
}

// Hands `bytes` over in chunks of `chunk` bytes, as the daemon does when it decrypts a stored blob.
InputSource chunked(const Bytes& bytes, std::size_t chunk) {
    return [&bytes, chunk, at = std::size_t{0}]() mutable -> Result<std::span<const std::uint8_t>> {
        const std::size_t size = std::min(chunk, bytes.size() - at);
        const std::span<const std::uint8_t> piece(bytes.data() + at, size);
        at += size;
        return piece;
    };
}

// A directory holding stand-in worker scripts; removed when the test ends.
class ScriptDir {
public:
    ScriptDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "kv-gateway-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    ScriptDir(const ScriptDir&) = delete;
    ScriptDir& operator=(const ScriptDir&) = delete;
    ~ScriptDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    std::string script(const std::string& name, const std::string& body) const {
        std::string path = (m_path / name).string();
        std::ofstream(path) << "#!/bin/sh\n" << body;
        REQUIRE(::chmod(path.c_str(), 0755) == 0);
        return path;
    }
    [[nodiscard]] std::string path() const { return m_path.string(); }

private:
    std::filesystem::path m_path;
};

GatewayConfig script_config(const std::string& path) {
    GatewayConfig config;
    config.worker_path = path;
    return config;
}

} // namespace

// --- wire format -------------------------------------------------------------------------------------------

TEST_CASE("a worker header round-trips any value, escapes included", "[gateway][wire]") {
    const wire::Header header{{"plain", "value"},
                              {"empty", ""},
                              {"tricky", "line one\nline two\r\\n literally = too"},
                              {"utf-8", "Zoë ☂"}};
    const auto decoded = wire::decode_header(wire::encode_header(header));
    REQUIRE(decoded.ok());
    CHECK(*decoded == header);
}

TEST_CASE("malformed worker headers are rejected", "[gateway][wire]") {
    SECTION("a line without its newline") {
        CHECK_FALSE(wire::decode_header("status=ok").ok());
    }
    SECTION("a line without '='") {
        CHECK_FALSE(wire::decode_header("status\n").ok());
    }
    SECTION("a key outside [a-z0-9_.-]") {
        CHECK_FALSE(wire::decode_header("Status=ok\n").ok());
        CHECK_FALSE(wire::decode_header("=ok\n").ok());
    }
    SECTION("a duplicate key, which could smuggle a second status") {
        CHECK_FALSE(wire::decode_header("status=refused\nstatus=ok\n").ok());
    }
    SECTION("an unknown or dangling escape") {
        CHECK_FALSE(wire::decode_header("a=\\t\n").ok());
        CHECK_FALSE(wire::decode_header("a=\\\n").ok());
    }
    SECTION("an encoder given a bad key throws: keys are fixed strings in our code") {
        CHECK_THROWS_AS(wire::encode_header(wire::Header{{"Bad Key", "x"}}), std::invalid_argument);
    }
}

TEST_CASE("a reply splits into header and payload, and a lying length prefix is rejected",
          "[gateway][wire]") {
    Bytes reply = wire::frame_header(wire::Header{{"status", "ok"}});
    const Bytes payload = to_bytes("%PDF-1.7 payload");
    reply.insert(reply.end(), payload.begin(), payload.end());
    const auto message = wire::parse_message(reply);
    REQUIRE(message.ok());
    CHECK(wire::find(message->header, "status") == "ok");
    CHECK(message->payload == payload);

    CHECK_FALSE(wire::parse_message(Bytes{0, 0, 1}).ok());
    CHECK_FALSE(wire::parse_message(Bytes{0, 0, 0, 200, 's'}).ok());
    CHECK_FALSE(wire::parse_message(Bytes{0xFF, 0xFF, 0xFF, 0xFF}).ok());
}

TEST_CASE("an inspect report survives the trip through a header and incomplete ones are errors",
          "[gateway][wire]") {
    kinvault::pdf::InspectReport report;
    report.page_count = 12;
    report.pdf_version = "1.7";
    report.encrypted = true;
    report.signature_fields = 4;
    report.signatures = 1;
    const auto back = wire::report_from_header(wire::report_to_header(report));
    REQUIRE(back.ok());
    CHECK(back->page_count == 12);
    CHECK(back->pdf_version == "1.7");
    CHECK(back->encrypted);
    CHECK(back->signature_fields == 4);
    CHECK(back->signatures == 1);

    auto missing = wire::report_to_header(report);
    missing.erase("pages");
    CHECK_FALSE(wire::report_from_header(missing).ok());
    auto zero_pages = wire::report_to_header(report);
    zero_pages["pages"] = "0";
    CHECK_FALSE(wire::report_from_header(zero_pages).ok());
    auto junk = wire::report_to_header(report);
    junk["signatures"] = "1x";
    CHECK_FALSE(wire::report_from_header(junk).ok());
}

// --- the sandbox, proven with the real worker
// ----------------------------------------------------------------

TEST_CASE("a worker that attempts a forbidden system call is killed by its seccomp filter",
          "[gateway][sandbox]") {
    const std::size_t before = open_descriptors();
    PdfGateway gateway(worker_config());
    SECTION("the process dies by SIGSYS") {
        const auto outcome = gateway.execute("selftest-forbidden-syscall", {}, input_from({}));
        REQUIRE(outcome.ok());
        CHECK(outcome->end == WorkerEnd::signaled);
        CHECK(outcome->term_signal == SIGSYS);
    }
    SECTION("and the gateway reports an internal error, not a verdict on the file") {
        const auto result = gateway.run("selftest-forbidden-syscall", {}, input_from({}));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::internal);
    }
    require_clean(before);
}

TEST_CASE("a worker that uses up its CPU time is killed by RLIMIT_CPU and reported as too slow",
          "[gateway][sandbox]") {
    const std::size_t before = open_descriptors();
    GatewayConfig config = worker_config();
    config.cpu_seconds = 1;
    config.wall_clock_timeout = 120s; // generous: the CPU limit must be what ends it
    PdfGateway gateway(config);
    SECTION("a spinning worker dies by SIGXCPU") {
        const auto outcome = gateway.execute("selftest-spin", {}, input_from({}));
        REQUIRE(outcome.ok());
        CHECK(outcome->end == WorkerEnd::signaled);
        CHECK(outcome->term_signal == SIGXCPU);
    }
    SECTION("PoDoFo on 2,000 nested dictionaries, with the pre-scan limit lifted, is too slow") {
        IntakeLimits lifted;
        lifted.max_depth = 1'000'000;
        const auto result = gateway.inspect(kinvault::test::hostile_pdf("deep-dicts-2000").bytes, lifted);
        REQUIRE_FALSE(result.ok());
        CHECK(refusal_of(result.error()) == IntakeRefusal::too_slow);
    }
    require_clean(before);
}

TEST_CASE("a worker that outlives the wall clock is killed and reaped", "[gateway][sandbox]") {
    const std::size_t before = open_descriptors();
    GatewayConfig config = worker_config();
    config.wall_clock_timeout = 300ms;
    config.cpu_seconds = 600;
    PdfGateway gateway(config);
    SECTION("a worker blocked without using CPU") {
        const auto outcome = gateway.execute("selftest-hang", {}, input_from({}));
        REQUIRE(outcome.ok());
        CHECK(outcome->end == WorkerEnd::timed_out);
    }
    SECTION("a spinning worker, reported to the uploader as too slow") {
        const auto result = gateway.run("selftest-spin", {}, input_from({}));
        REQUIRE_FALSE(result.ok());
        CHECK(refusal_of(result.error()) == IntakeRefusal::too_slow);
    }
    require_clean(before);
}

TEST_CASE("a worker that runs out of address space reports the file as too big to parse",
          "[gateway][sandbox]") {
    const std::size_t before = open_descriptors();
    GatewayConfig config = worker_config();
    config.address_space_bytes = std::uint64_t{256} << 20;
    PdfGateway gateway(config);
    SECTION("a worker allocating without end") {
        const auto result = gateway.run("selftest-alloc", {}, input_from({}));
        REQUIRE_FALSE(result.ok());
        CHECK(refusal_of(result.error()) == IntakeRefusal::too_big_to_parse);
    }
    SECTION("PoDoFo loading half a million objects, with the object limit lifted (it needs over 512 MiB)") {
        IntakeLimits lifted;
        lifted.max_objects = 100'000'000;
        const auto result = gateway.inspect(kinvault::test::hostile_pdf("many-objects").bytes, lifted);
        REQUIRE_FALSE(result.ok());
        CHECK(refusal_of(result.error()) == IntakeRefusal::too_big_to_parse);
    }
    require_clean(before);
}

TEST_CASE("a crashing worker is reported as a malformed file", "[gateway][sandbox]") {
    const std::size_t before = open_descriptors();
    PdfGateway gateway(worker_config());
    SECTION("abort() ends in SIGABRT, which the filter lets through") {
        const auto outcome = gateway.execute("selftest-abort", {}, input_from({}));
        REQUIRE(outcome.ok());
        CHECK(outcome->end == WorkerEnd::signaled);
        CHECK(outcome->term_signal == SIGABRT);
        const auto result = gateway.run("selftest-abort", {}, input_from({}));
        REQUIRE_FALSE(result.ok());
        CHECK(refusal_of(result.error()) == IntakeRefusal::malformed);
    }
    SECTION("PoDoFo overflowing its stack on 20,000 nested dictionaries, with the pre-scan limit lifted") {
        IntakeLimits lifted;
        lifted.max_depth = 1'000'000;
        const auto& bytes = kinvault::test::hostile_pdf("deep-dicts-20000").bytes;
        const auto outcome = gateway.execute("inspect", wire::limits_to_params(lifted), input_from(bytes));
        REQUIRE(outcome.ok());
        CHECK(outcome->end == WorkerEnd::signaled);
        CHECK(outcome->term_signal == SIGSEGV);
        const auto result = gateway.inspect(bytes, lifted);
        REQUIRE_FALSE(result.ok());
        CHECK(refusal_of(result.error()) == IntakeRefusal::malformed);
    }
    require_clean(before);
}

// --- I/O
// ------------------------------------------------------------------------------------------------------

TEST_CASE("input streams in chunks and the reply comes back whole", "[gateway][io]") {
    const std::size_t before = open_descriptors();
    PdfGateway gateway(worker_config());
    const Bytes input = pattern((std::size_t{8} << 20) + 12'345);
    const auto reply = gateway.run("selftest-echo", wire::Header{{"note", "x=y\nz"}}, chunked(input, 65'521));
    REQUIRE(reply.ok());
    CHECK(wire::find(reply->header, "note") == "x=y\nz");
    CHECK(reply->payload == input);
    require_clean(before);
}

TEST_CASE("an inspection can be fed chunk by chunk", "[gateway][io]") {
    PdfGateway gateway(worker_config());
    const Bytes pdf = kinvault::test::valid_pdf(50);
    const auto report = gateway.inspect(chunked(pdf, 1'000));
    REQUIRE(report.ok());
    CHECK(report->page_count == 50);
}

TEST_CASE("a failing input source aborts the job with its own error", "[gateway][io]") {
    const std::size_t before = open_descriptors();
    PdfGateway gateway(worker_config());
    const Bytes first = pattern(100'000);
    int calls = 0;
    const InputSource failing = [&]() -> Result<std::span<const std::uint8_t>> {
        if (++calls == 1) {
            return std::span<const std::uint8_t>(first);
        }
        return kinvault::make_error(Errc::integrity, "blob chunk failed authentication");
    };
    const auto result = gateway.run("selftest-echo", {}, failing);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == Errc::integrity);
    CHECK(result.error().message == "blob chunk failed authentication");
    require_clean(before);
}

TEST_CASE("a worker that writes megabytes before reading its input does not deadlock", "[gateway][io]") {
    const std::size_t before = open_descriptors();
    const ScriptDir dir;
    const std::string worker = dir.script("chatty", "/usr/bin/head -c 4194304 /dev/zero\n"
                                                    "/usr/bin/head -c 4194304 /dev/zero >&2\n"
                                                    "/bin/cat >/dev/null\n"
                                                    "printf done\n");
    PdfGateway gateway(script_config(worker));
    const Bytes input = pattern(std::size_t{4} << 20);
    const auto outcome = gateway.execute("any", {}, input_from(input));
    REQUIRE(outcome.ok());
    CHECK(outcome->end == WorkerEnd::exited);
    CHECK(outcome->exit_code == 0);
    CHECK(outcome->output.size() == (std::size_t{4} << 20) + 4);
    CHECK(outcome->diagnostics.size() == 4096); // stderr is drained but only its start is kept
    require_clean(before);
}

TEST_CASE("a worker that quits without reading its input does not take the daemon down with SIGPIPE",
          "[gateway][io]") {
    const std::size_t before = open_descriptors();
    const ScriptDir dir;
    PdfGateway gateway(script_config(dir.script("quitter", "exit 0\n")));
    const Bytes input = pattern(std::size_t{16} << 20);
    const auto result = gateway.run("any", {}, input_from(input));
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code == Errc::internal); // no reply at all
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    CHECK(sigismember(&pending, SIGPIPE) == 0);
    require_clean(before);
}

TEST_CASE("a worker whose output exceeds the limit is killed", "[gateway][io]") {
    const std::size_t before = open_descriptors();
    const ScriptDir dir;
    GatewayConfig config = script_config(dir.script("flood", "exec /usr/bin/yes\n"));
    config.max_output_bytes = std::size_t{1} << 20;
    PdfGateway gateway(config);
    const auto outcome = gateway.execute("any", {}, input_from({}));
    REQUIRE(outcome.ok());
    CHECK(outcome->end == WorkerEnd::output_too_large);
    CHECK(gateway.run("any", {}, input_from({})).error().code == Errc::internal);
    require_clean(before);
}

TEST_CASE("a worker reply that is not in the protocol is an internal error", "[gateway][io]") {
    const ScriptDir dir;
    SECTION("garbage") {
        PdfGateway gateway(script_config(dir.script("garbage", "printf 'hello there'\n")));
        const auto result = gateway.run("any", {}, input_from({}));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::internal);
    }
    SECTION("a refusal with a code we do not know") {
        PdfGateway gateway(script_config(
            dir.script("unknown", "printf '\\000\\000\\000\\032status=refused\\ncode=bogus\\n'\n")));
        const auto result = gateway.run("any", {}, input_from({}));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::internal);
    }
    SECTION("a well-formed refusal passes through as the refusal") {
        PdfGateway gateway(script_config(
            dir.script("refuser", "printf '\\000\\000\\000\\035status=refused\\ncode=too_deep\\n'\n")));
        const auto result = gateway.run("any", {}, input_from({}));
        REQUIRE_FALSE(result.ok());
        CHECK(refusal_of(result.error()) == IntakeRefusal::too_deep);
    }
}

TEST_CASE("the worker inherits neither the daemon's descriptors nor its environment", "[gateway][sandbox]") {
    const ScriptDir dir;
    // A descriptor some other part of the daemon opened without O_CLOEXEC.
    const int leaky = ::open("/dev/null", O_RDONLY);
    REQUIRE(leaky >= 0);
    REQUIRE(::dup2(leaky, 50) == 50);
    ::close(leaky);
    REQUIRE(::setenv("KINVAULT_TEST_SECRET", "do-not-pass-on", 1) == 0);
    PdfGateway gateway(
        script_config(dir.script("nosy", "[ -e /proc/$$/fd/50 ] && printf 'fd50 '\n"
                                         "export -p\n"
                                         "ulimit -n; ulimit -c; ulimit -f; ulimit -t; ulimit -v\n")));
    const auto outcome = gateway.execute("any", {}, input_from({}));
    ::close(50);
    ::unsetenv("KINVAULT_TEST_SECRET");
    REQUIRE(outcome.ok());
    const std::string output = kinvault::to_string(outcome->output);
    CHECK_THAT(output, !Catch::Contains("fd50"));
    CHECK_THAT(output, !Catch::Contains("KINVAULT_TEST_SECRET"));
    // Limits set between fork and exec: 16 files, no core, no file writes, 20 CPU seconds, 1 GiB (in KiB).
    CHECK_THAT(output, Catch::EndsWith("16\n0\n0\n20\n1048576\n"));
}

// --- locating, concurrency ---------------------------------------------------------------------------------

TEST_CASE("by default the worker is looked for beside the running executable", "[gateway]") {
    const std::string path = kinvault::pdf::default_worker_path();
    const auto self = std::filesystem::read_symlink("/proc/self/exe");
    CHECK(path == (self.parent_path() / "kinvault-pdf-worker").string());
    SECTION("and a missing worker makes PDF processing unavailable, not a verdict on the file") {
        const std::size_t before = open_descriptors();
        GatewayConfig config;
        config.worker_path = (self.parent_path() / "no-such-worker").string();
        PdfGateway gateway(config);
        const auto result = gateway.inspect(kinvault::test::valid_pdf(1));
        REQUIRE_FALSE(result.ok());
        CHECK(result.error().code == Errc::unavailable);
        require_clean(before);
    }
}

TEST_CASE("many inspections at once all succeed", "[gateway][concurrency]") {
    const std::size_t before = open_descriptors();
    PdfGateway gateway(worker_config());
    const Bytes three = kinvault::test::valid_pdf(3);
    const Bytes& hostile = kinvault::test::hostile_pdf("deep-dicts-20000").bytes;
    constexpr int threads = 8;
    constexpr int per_thread = 4;
    constexpr std::size_t jobs = std::size_t{threads} * per_thread;
    std::vector<int> pages(jobs, -1);
    std::vector<std::optional<IntakeRefusal>> refusals(jobs);
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                const int slot = t * per_thread + i;
                const auto result = gateway.inspect(slot % 2 == 0 ? three : hostile);
                if (result.ok()) {
                    pages[static_cast<std::size_t>(slot)] = result->page_count;
                } else {
                    refusals[static_cast<std::size_t>(slot)] = refusal_of(result.error());
                }
            }
        });
    }
    for (auto& thread : pool) {
        thread.join();
    }
    for (std::size_t slot = 0; slot < pages.size(); ++slot) {
        if (slot % 2 == 0) {
            CHECK(pages[slot] == 3);
        } else {
            CHECK(refusals[slot] == IntakeRefusal::too_deep);
        }
    }
    require_clean(before);
}

TEST_CASE("no more workers run at once than max_concurrency allows", "[gateway][concurrency]") {
    const ScriptDir dir;
    const std::string running = dir.path() + "/running";
    std::filesystem::create_directory(running);
    // Each stand-in registers itself, counts who else is running, lingers a little and leaves.
    const std::string worker = dir.script("counter", "d='" + running +
                                                         "'\n"
                                                         ": > \"$d/$$\"\n"
                                                         "n=$(/bin/ls \"$d\" | /usr/bin/wc -l)\n"
                                                         "/bin/sleep 0.1\n"
                                                         "/bin/rm \"$d/$$\"\n"
                                                         "printf '%s' \"$n\"\n");
    GatewayConfig config = script_config(worker);
    config.max_concurrency = 2;
    PdfGateway gateway(config);
    std::atomic<int> most{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    pool.reserve(6);
    for (int t = 0; t < 6; ++t) {
        pool.emplace_back([&] {
            const auto outcome = gateway.execute("any", {}, input_from({}));
            if (!outcome.ok() || outcome->end != WorkerEnd::exited) {
                ++failures;
                return;
            }
            const int seen = std::atoi(kinvault::to_string(outcome->output).c_str());
            int previous = most.load();
            while (seen > previous && !most.compare_exchange_weak(previous, seen)) {
            }
        });
    }
    for (auto& thread : pool) {
        thread.join();
    }
    CHECK(failures == 0);
    CHECK(most >= 1);
    CHECK(most <= 2);
}
