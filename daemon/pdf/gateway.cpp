#include "pdf/gateway.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace kinvault::pdf {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view worker_name = "kinvault-pdf-worker";
constexpr std::size_t read_chunk = std::size_t{64} * 1024;
constexpr std::size_t max_diagnostics = 4096;
constexpr rlim_t max_open_files = 16;
// The child dups the pipe ends to at least this number first, so no dup2 onto 0..3 can clobber another end.
constexpr int scratch_fd_floor = 10;

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : m_fd(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset();
            m_fd = std::exchange(other.m_fd, -1);
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    [[nodiscard]] int get() const noexcept { return m_fd; }
    [[nodiscard]] bool valid() const noexcept { return m_fd >= 0; }
    void reset() noexcept {
        if (m_fd >= 0) {
            static_cast<void>(::close(m_fd));
            m_fd = -1;
        }
    }

private:
    int m_fd{-1};
};

struct Pipe {
    UniqueFd read_end;
    UniqueFd write_end;
};

Result<Pipe> make_pipe() {
    std::array<int, 2> fds{-1, -1};
    // O_CLOEXEC: a pipe end leaking into some other child would hold the worker's stdin open or its stdout.
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        return make_error(Errc::unavailable, "cannot create a pipe for the PDF worker: " +
                                                 std::generic_category().message(errno));
    }
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    static_cast<void>(::fcntl(fd, F_SETFL, flags | O_NONBLOCK));
}

// Writing into the pipe of a worker that already died raises SIGPIPE, which would end the whole daemon. Pipes
// have no MSG_NOSIGNAL, so the signal is blocked for this thread while a job runs and a SIGPIPE we caused is
// consumed before the mask is restored; other threads are untouched.
class SigpipeBlock {
public:
    SigpipeBlock() noexcept {
        sigemptyset(&m_set);
        sigaddset(&m_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &m_set, &m_previous);
        sigset_t pending;
        sigemptyset(&pending);
        sigpending(&pending);
        m_was_pending = sigismember(&pending, SIGPIPE) == 1;
    }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;
    ~SigpipeBlock() {
        if (!m_was_pending) {
            sigset_t pending;
            sigemptyset(&pending);
            sigpending(&pending);
            if (sigismember(&pending, SIGPIPE) == 1) {
                const timespec zero{};
                static_cast<void>(sigtimedwait(&m_set, nullptr, &zero));
            }
        }
        pthread_sigmask(SIG_SETMASK, &m_previous, nullptr);
    }

private:
    sigset_t m_set{};
    sigset_t m_previous{};
    bool m_was_pending{false};
};

class SlotGuard {
public:
    explicit SlotGuard(std::counting_semaphore<>& slots) noexcept : m_slots(slots) {}
    SlotGuard(const SlotGuard&) = delete;
    SlotGuard& operator=(const SlotGuard&) = delete;
    ~SlotGuard() { m_slots.release(); }

private:
    std::counting_semaphore<>& m_slots;
};

// Whatever path leaves execute(), the child is killed if still running and always reaped: no zombies.
class Child {
public:
    explicit Child(pid_t pid) noexcept : m_pid(pid) {}
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() { kill_and_reap(); }

    [[nodiscard]] bool reaped() const noexcept { return m_reaped; }
    [[nodiscard]] int status() const noexcept { return m_status; }

    // True once the child has ended and was reaped.
    bool try_reap() noexcept {
        if (m_reaped) {
            return true;
        }
        int status = 0;
        const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid) {
            m_status = status;
            m_reaped = true;
        } else if (done < 0 && errno == ECHILD) {
            // Someone set SIGCHLD to SIG_IGN and the kernel reaped it for us; the status is lost.
            m_reaped = true;
            m_status_lost = true;
        }
        return m_reaped;
    }

    void kill_and_reap() noexcept {
        if (m_reaped) {
            return;
        }
        static_cast<void>(::kill(m_pid, SIGKILL));
        int status = 0;
        pid_t done = -1;
        do {
            done = ::waitpid(m_pid, &status, 0);
        } while (done < 0 && errno == EINTR);
        m_status = status;
        m_status_lost = done != m_pid;
        m_reaped = true;
    }

    [[nodiscard]] bool status_lost() const noexcept { return m_status_lost; }

private:
    pid_t m_pid;
    int m_status{0};
    bool m_reaped{false};
    bool m_status_lost{false};
};

struct Limit {
    int resource;
    rlimit value;
};

// Everything the child needs, computed before fork: between fork and execve in a multithreaded parent only
// async-signal-safe calls are allowed (no allocation, no locks).
struct ChildPlan {
    const char* path;
    char* const* argv;
    char* const* envp;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    int report_fd; // write end of the exec-error pipe
    pid_t parent;
    std::array<Limit, 5> limits;
    std::size_t limit_count;
};

[[noreturn]] void exec_child(const ChildPlan& plan) noexcept {
    // The forking thread may have SIGPIPE blocked (SigpipeBlock) and the daemon may ignore signals; the
    // worker starts from defaults so SIGXCPU and crashes end it the way the gateway expects.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction defaults {};
    defaults.sa_handler = SIG_DFL;
    sigemptyset(&defaults.sa_mask);
    for (const int sig : {SIGPIPE, SIGXCPU, SIGXFSZ, SIGSYS, SIGSEGV, SIGBUS, SIGABRT, SIGTERM}) {
        sigaction(sig, &defaults, nullptr);
    }
    // If the thread that started the job dies, so does the worker.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != plan.parent) {
        _exit(126);
    }
    const int in = fcntl(plan.stdin_fd, F_DUPFD, scratch_fd_floor);
    const int out = fcntl(plan.stdout_fd, F_DUPFD, scratch_fd_floor);
    const int err = fcntl(plan.stderr_fd, F_DUPFD, scratch_fd_floor);
    const int report = fcntl(plan.report_fd, F_DUPFD, scratch_fd_floor);
    if (in < 0 || out < 0 || err < 0 || report < 0 || dup2(in, STDIN_FILENO) < 0 ||
        dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0 || dup3(report, 3, O_CLOEXEC) < 0) {
        _exit(126);
    }
    // Descriptors other threads opened without O_CLOEXEC (sockets, database files) must not reach the worker.
    if (close_range(4, ~0U, 0) != 0) {
        for (int fd = 4; fd < 65536; ++fd) {
            close(fd);
        }
    }
    for (std::size_t i = 0; i < plan.limit_count; ++i) {
        if (setrlimit(plan.limits[i].resource, &plan.limits[i].value) != 0) {
            _exit(126);
        }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        _exit(126);
    }
    execve(plan.path, plan.argv, plan.envp);
    const int error = errno;
    static_cast<void>(write(3, &error, sizeof error));
    _exit(127);
}

int poll_timeout_ms(Clock::time_point deadline, bool short_wait) {
    const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const auto capped = std::clamp<std::int64_t>(remaining, 0, short_wait ? 10 : INT_MAX);
    return static_cast<int>(capped);
}

Error internal(std::string message) {
    return make_error(Errc::internal, std::move(message));
}

Error from_signal(int sig) {
    switch (sig) {
    case SIGXCPU:
    case SIGKILL:
        // SIGKILL: the hard RLIMIT_CPU (one second after SIGXCPU) or the kernel's OOM killer.
        return refusal_error(IntakeRefusal::too_slow);
    case SIGSEGV:
    case SIGBUS:
    case SIGABRT:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
        // PoDoFo 0.9.8 crashes rather than throws on some hostile files (security.md); that is the file's
        // fault.
        return refusal_error(IntakeRefusal::malformed);
    case SIGSYS:
        return internal("The PDF worker was stopped by its sandbox (forbidden system call).");
    default:
        return internal("The PDF worker ended on signal " + std::to_string(sig) + ".");
    }
}

} // namespace

InputSource input_from(std::span<const std::uint8_t> bytes) {
    return [bytes, done = false]() mutable -> Result<std::span<const std::uint8_t>> {
        if (done) {
            return std::span<const std::uint8_t>{};
        }
        done = true;
        return bytes;
    };
}

std::string default_worker_path() {
    std::array<char, 4096> buffer{};
    const ssize_t length = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
    if (length <= 0) {
        return {};
    }
    std::string path(buffer.data(), static_cast<std::size_t>(length));
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return {};
    }
    path.resize(slash + 1);
    path += worker_name;
    return path;
}

PdfGateway::PdfGateway(GatewayConfig config)
    : m_config(std::move(config)),
      m_worker_path(m_config.worker_path.empty() ? default_worker_path() : m_config.worker_path),
      m_slots(std::max(1, m_config.max_concurrency)) {}

Result<WorkerOutcome> PdfGateway::execute(std::string_view operation, const wire::Header& params,
                                          const InputSource& input) {
    if (!m_slots.try_acquire_for(m_config.wall_clock_timeout)) {
        return make_error(Errc::unavailable, "PDF processing is busy; please try again in a moment.");
    }
    const SlotGuard slot(m_slots);
    const SigpipeBlock no_sigpipe;
    const Clock::time_point deadline = Clock::now() + m_config.wall_clock_timeout;

    if (m_worker_path.empty()) {
        return make_error(Errc::unavailable, "The PDF worker cannot be located.");
    }
    const Bytes request_header = wire::frame_header(params);
    std::string path = m_worker_path;
    std::string operation_arg(operation);
    std::array<char*, 3> argv{path.data(), operation_arg.data(), nullptr};
    std::array<char*, 1> envp{nullptr}; // the worker needs no environment; none of ours leaks into it

    auto stdin_pipe = make_pipe();
    auto stdout_pipe = make_pipe();
    auto stderr_pipe = make_pipe();
    auto report_pipe = make_pipe();
    for (const auto* pipe : {&stdin_pipe, &stdout_pipe, &stderr_pipe, &report_pipe}) {
        if (!*pipe) {
            return pipe->error();
        }
    }

    ChildPlan plan{};
    plan.path = path.c_str();
    plan.argv = argv.data();
    plan.envp = envp.data();
    plan.stdin_fd = stdin_pipe->read_end.get();
    plan.stdout_fd = stdout_pipe->write_end.get();
    plan.stderr_fd = stderr_pipe->write_end.get();
    plan.report_fd = report_pipe->write_end.get();
    plan.parent = ::getpid();
    const rlim_t cpu = std::max<rlim_t>(1, m_config.cpu_seconds);
    plan.limits[plan.limit_count++] = Limit{RLIMIT_CPU, rlimit{cpu, cpu + 1}};
    plan.limits[plan.limit_count++] = Limit{RLIMIT_FSIZE, rlimit{0, 0}};
    plan.limits[plan.limit_count++] = Limit{RLIMIT_CORE, rlimit{0, 0}};
    plan.limits[plan.limit_count++] = Limit{RLIMIT_NOFILE, rlimit{max_open_files, max_open_files}};
#if !defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer builds reserve terabytes of shadow memory; they run the worker without this limit.
    const auto as = static_cast<rlim_t>(m_config.address_space_bytes);
    plan.limits[plan.limit_count++] = Limit{RLIMIT_AS, rlimit{as, as}};
#endif

    const pid_t pid = ::fork();
    if (pid < 0) {
        return make_error(Errc::unavailable,
                          "cannot start the PDF worker: " + std::generic_category().message(errno));
    }
    if (pid == 0) {
        exec_child(plan);
    }
    Child child(pid);
    stdin_pipe->read_end.reset();
    stdout_pipe->write_end.reset();
    stderr_pipe->write_end.reset();
    report_pipe->write_end.reset();

    // The exec-error pipe closes on a successful execve (O_CLOEXEC) or carries errno if it failed.
    int exec_errno = 0;
    ssize_t got = -1;
    do {
        got = ::read(report_pipe->read_end.get(), &exec_errno, sizeof exec_errno);
    } while (got < 0 && errno == EINTR);
    report_pipe->read_end.reset();
    if (got == static_cast<ssize_t>(sizeof exec_errno)) {
        child.kill_and_reap();
        return make_error(Errc::unavailable, "cannot start the PDF worker " + m_worker_path + ": " +
                                                 std::generic_category().message(exec_errno));
    }

    // Without pidfd (kernels before 5.3) the exit is polled for once both pipes are closed.
    // Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    UniqueFd to_worker = std::move(stdin_pipe->write_end);
    UniqueFd from_worker = std::move(stdout_pipe->read_end);
    UniqueFd worker_errors = std::move(stderr_pipe->read_end);
    set_nonblocking(to_worker.get());
    set_nonblocking(from_worker.get());
    set_nonblocking(worker_errors.get());

    WorkerOutcome outcome;
    std::span<const std::uint8_t> pending(request_header);
    std::array<std::uint8_t, read_chunk> buffer{};

    while (from_worker.valid() || worker_errors.valid() || !child.reaped()) {
        if (Clock::now() >= deadline) {
            child.kill_and_reap();
            outcome.end = WorkerEnd::timed_out;
            return outcome;
        }
        std::array<pollfd, 4> fds{};
        nfds_t count = 0;
        int at_stdin = -1;
        int at_stdout = -1;
        int at_stderr = -1;
        int at_pidfd = -1;
        if (to_worker.valid()) {
            at_stdin = static_cast<int>(count);
            fds[count++] = pollfd{to_worker.get(), POLLOUT, 0};
        }
        if (from_worker.valid()) {
            at_stdout = static_cast<int>(count);
            fds[count++] = pollfd{from_worker.get(), POLLIN, 0};
        }
        if (worker_errors.valid()) {
            at_stderr = static_cast<int>(count);
            fds[count++] = pollfd{worker_errors.get(), POLLIN, 0};
        }
        if (!child.reaped() && pidfd.valid()) {
            at_pidfd = static_cast<int>(count);
            fds[count++] = pollfd{pidfd.get(), POLLIN, 0};
        }
        const bool polling_for_exit = !pidfd.valid() && !from_worker.valid() && !worker_errors.valid();
        if (polling_for_exit && child.try_reap()) {
            break;
        }
        const int ready = ::poll(fds.data(), count, poll_timeout_ms(deadline, polling_for_exit));
        if (ready < 0 && errno != EINTR) {
            child.kill_and_reap();
            return internal("poll on the PDF worker failed: " + std::generic_category().message(errno));
        }
        if (ready <= 0) {
            continue;
        }

        if (at_stdin >= 0 && fds[at_stdin].revents != 0) {
            if ((fds[at_stdin].revents & (POLLERR | POLLHUP)) != 0) {
                // The worker closed its stdin (it ended or refused early); the rest of the input is not
                // needed.
                to_worker.reset();
            } else {
                if (pending.empty()) {
                    auto chunk = input();
                    if (!chunk) {
                        child.kill_and_reap();
                        return std::move(chunk).error();
                    }
                    pending = *chunk;
                    if (pending.empty()) {
                        to_worker.reset(); // end of input: the worker sees EOF
                    }
                }
                if (!pending.empty()) {
                    const ssize_t written = ::write(to_worker.get(), pending.data(), pending.size());
                    if (written > 0) {
                        pending = pending.subspan(static_cast<std::size_t>(written));
                    } else if (written < 0 && errno != EAGAIN && errno != EINTR) {
                        to_worker.reset(); // EPIPE: the worker is gone
                    }
                }
            }
        }
        if (at_stdout >= 0 && fds[at_stdout].revents != 0) {
            const ssize_t n = ::read(from_worker.get(), buffer.data(), buffer.size());
            if (n > 0) {
                if (outcome.output.size() + static_cast<std::size_t>(n) > m_config.max_output_bytes) {
                    child.kill_and_reap();
                    outcome.end = WorkerEnd::output_too_large;
                    return outcome;
                }
                outcome.output.insert(outcome.output.end(), buffer.begin(), buffer.begin() + n);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                from_worker.reset();
            }
        }
        if (at_stderr >= 0 && fds[at_stderr].revents != 0) {
            const ssize_t n = ::read(worker_errors.get(), buffer.data(), buffer.size());
            if (n > 0) {
                const std::size_t room =
                    max_diagnostics - std::min(max_diagnostics, outcome.diagnostics.size());
                outcome.diagnostics.append(reinterpret_cast<const char*>(buffer.data()),
                                           std::min(room, static_cast<std::size_t>(n)));
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                worker_errors.reset();
            }
        }
        if (at_pidfd >= 0 && (fds[at_pidfd].revents & POLLIN) != 0) {
            static_cast<void>(child.try_reap());
        }
    }

    if (child.status_lost()) {
        outcome.end = WorkerEnd::exited;
        outcome.exit_code = -1;
    } else if (WIFSIGNALED(child.status())) {
        outcome.end = WorkerEnd::signaled;
        outcome.term_signal = WTERMSIG(child.status());
    } else {
        outcome.end = WorkerEnd::exited;
        outcome.exit_code = WEXITSTATUS(child.status());
    }
    return outcome;
}

Result<wire::Message> PdfGateway::run(std::string_view operation, const wire::Header& params,
                                      const InputSource& input) {
    auto outcome = KV_TRY_VALUE(execute(operation, params, input));
    switch (outcome.end) {
    case WorkerEnd::timed_out:
        return refusal_error(IntakeRefusal::too_slow);
    case WorkerEnd::output_too_large:
        return internal("The PDF worker's output exceeded the configured limit.");
    case WorkerEnd::signaled:
        return from_signal(outcome.term_signal);
    case WorkerEnd::exited:
        break;
    }
    auto message = wire::parse_message(outcome.output);
    if (!message) {
        return internal("The PDF worker gave no valid reply (exit code " + std::to_string(outcome.exit_code) +
                        ").");
    }
    const std::string_view status = wire::find(message->header, "status").value_or("");
    if (status == wire::status_ok && outcome.exit_code == wire::exit_reply) {
        return std::move(message).value();
    }
    if (status == wire::status_refused) {
        const auto refusal = parse_refusal(wire::find(message->header, "code").value_or(""));
        if (!refusal) {
            return internal("The PDF worker refused with an unknown code.");
        }
        return refusal_error(*refusal);
    }
    return internal("The PDF worker failed: " +
                    std::string(wire::find(message->header, "message").value_or("no reason given")));
}

Result<InspectReport> PdfGateway::inspect(const InputSource& input, const IntakeLimits& limits) {
    auto reply = KV_TRY_VALUE(run("inspect", wire::limits_to_params(limits), input));
    return wire::report_from_header(reply.header);
}

Result<InspectReport> PdfGateway::inspect(std::span<const std::uint8_t> pdf, const IntakeLimits& limits) {
    return inspect(input_from(pdf), limits);
}

} // namespace kinvault::pdf
