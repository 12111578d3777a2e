// Daemon side of PDF processing: runs one kinvault-pdf-worker process per job, sandboxed and time-boxed, and
// turns whatever happens to it into a Result. kinvaultd never parses a PDF itself (security.md); it links
// this library, which has no PoDoFo, and never the worker's.
#pragma once

#include "common/hex.h"
#include "common/result.h"
#include "pdf/inspect.h"
#include "pdf/worker_protocol.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <semaphore>
#include <span>
#include <string>
#include <string_view>

namespace kinvault::pdf {

struct GatewayConfig {
    // Empty: "kinvault-pdf-worker" in the directory of the running executable (/proc/self/exe).
    std::string worker_path;
    // RLIMIT_CPU: SIGXCPU after this many CPU seconds, SIGKILL one second later.
    unsigned cpu_seconds{20};
    // RLIMIT_AS. A 50 MiB upload costs the worker a few hundred MiB in PoDoFo (buffer copies, parsed
    // objects).
    std::uint64_t address_space_bytes{std::uint64_t{1} << 30};
    // Wall clock for the whole job, from spawn to reaping, including streaming the input in.
    std::chrono::milliseconds wall_clock_timeout{std::chrono::seconds(30)};
    // Stdout beyond this (header + payload) kills the worker: rendered or stamped PDFs stay well below.
    std::size_t max_output_bytes{std::size_t{256} << 20};
    // Workers running at once; further jobs wait up to wall_clock_timeout for a slot, then get `unavailable`.
    int max_concurrency{2};
};

// Pull-style input: each call returns the next chunk, which must stay valid until the next call; an empty
// chunk ends the input. The daemon decrypts a stored blob chunk by chunk straight into the worker's stdin
// this way, so plaintext never touches disk. An error aborts the job (the worker is killed) and is returned
// as is.
using InputSource = std::function<Result<std::span<const std::uint8_t>>()>;

// Input that is already in memory, handed over in one chunk.
[[nodiscard]] InputSource input_from(std::span<const std::uint8_t> bytes);

// How a worker process ended, before any interpretation (tests, diagnostics, health checks).
enum class WorkerEnd {
    exited,           // exit_code is valid
    signaled,         // term_signal is valid (SIGXCPU: CPU limit, SIGSYS: seccomp, SIGSEGV: crash, ...)
    timed_out,        // the wall clock ran out; the gateway killed it with SIGKILL and reaped it
    output_too_large, // it wrote more than max_output_bytes; killed and reaped
};

struct WorkerOutcome {
    WorkerEnd end{WorkerEnd::exited};
    int exit_code{-1};
    int term_signal{0};
    Bytes output;            // everything read from stdout
    std::string diagnostics; // the first few KiB of stderr, for logs
};

class PdfGateway {
public:
    explicit PdfGateway(GatewayConfig config = {});
    PdfGateway(const PdfGateway&) = delete;
    PdfGateway& operator=(const PdfGateway&) = delete;

    // Runs `operation` with `params` over `input` and returns the reply (status "ok") or an Error:
    //   refused by the worker, killed by SIGXCPU/SIGKILL or the wall clock, crashed -> refusal_error(...)
    //     (unsupported_media / unprocessable, with the message a person reads; see refusal_of())
    //   worker missing, cannot be started, no free slot in time -> Errc::unavailable
    //   killed by seccomp, oversized or garbled output, "error" reply -> Errc::internal
    //   the input source failed -> that error
    // Thread-safe; at most max_concurrency workers run at once.
    [[nodiscard]] Result<wire::Message> run(std::string_view operation, const wire::Header& params,
                                            const InputSource& input);

    // "inspect": page count, version, encryption and signature fields of an untrusted PDF, or a refusal.
    [[nodiscard]] Result<InspectReport> inspect(const InputSource& input, const IntakeLimits& limits = {});
    [[nodiscard]] Result<InspectReport> inspect(std::span<const std::uint8_t> pdf,
                                                const IntakeLimits& limits = {});

    // Spawns, feeds, drains and reaps a worker without interpreting its reply. Errors only when no worker
    // ran to an end we can describe (cannot start it, no slot, the input source failed).
    [[nodiscard]] Result<WorkerOutcome> execute(std::string_view operation, const wire::Header& params,
                                                const InputSource& input);

    [[nodiscard]] const std::string& worker_path() const noexcept { return m_worker_path; }
    [[nodiscard]] const GatewayConfig& config() const noexcept { return m_config; }

private:
    GatewayConfig m_config;
    std::string m_worker_path;
    std::counting_semaphore<> m_slots;
};

// "<directory of /proc/self/exe>/kinvault-pdf-worker", or an empty string if the link cannot be read.
[[nodiscard]] std::string default_worker_path();

} // namespace kinvault::pdf
