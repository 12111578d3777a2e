#include "daemon.h"

#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <poll.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace kvtest {

std::string bin_dir() {
    return KV_BIN_DIR;
}
std::string source_dir() {
    return KV_SOURCE_DIR;
}

TempDir::TempDir(const std::string& prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    char* made = ::mkdtemp(tmpl.data());
    REQUIRE(made != nullptr);
    m_path = made;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

namespace {

void read_all(int fd, std::string& out) {
    char buf[65536];
    while (true) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break;
        }
    }
}

std::vector<char*> c_argv(std::vector<std::string>& args) {
    std::vector<char*> out;
    for (auto& a : args) {
        out.push_back(a.data());
    }
    out.push_back(nullptr);
    return out;
}

void apply_env(const std::map<std::string, std::string>& env) {
    for (const auto& [k, v] : env) {
        if (v.empty()) {
            ::unsetenv(k.c_str());
        } else {
            ::setenv(k.c_str(), v.c_str(), 1);
        }
    }
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv_in,
                          const std::map<std::string, std::string>& env, const std::string& stdin_text) {
    std::vector<std::string> argv = argv_in;
    int in_pipe[2];
    int out_pipe[2];
    int err_pipe[2];
    REQUIRE(::pipe2(in_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        apply_env(env);
        // Never let a test hang on a password prompt.
        ::setsid();
        auto args = c_argv(argv);
        ::execv(args[0], args.data());
        std::_Exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ProcessResult r;
    std::thread writer([&] {
        std::size_t off = 0;
        while (off < stdin_text.size()) {
            const ssize_t n = ::write(in_pipe[1], stdin_text.data() + off, stdin_text.size() - off);
            if (n <= 0) {
                break;
            }
            off += static_cast<std::size_t>(n);
        }
        ::close(in_pipe[1]);
    });
    std::thread err_reader([&] { read_all(err_pipe[0], r.err); });
    read_all(out_pipe[0], r.out);
    err_reader.join();
    writer.join();
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return r;
}

Daemon::Daemon(DaemonOptions options) : m_dir("kvd"), m_options(std::move(options)) {
    const ProcessResult init =
        run_process({bin_dir() + "/kinvaultd", "init", "--data", data_dir(), "--admin-email",
                     k_clinician_email, "--admin-name", "Dana Clinician", "--practice-name",
                     "Harbor Family Practice", "--key-file", key_file()},
                    {{"KINVAULT_PASSWORD", k_clinician_password}});
    INFO(init.out << init.err);
    REQUIRE(init.exit_code == 0);
    start();
}

Daemon::~Daemon() {
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
}

std::string Daemon::log() const {
    return read_file(m_log_path);
}

void Daemon::start() {
    REQUIRE(m_pid <= 0);
    int out_pipe[2];
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    static int run_counter = 0;
    m_log_path = m_dir.path() + "/kinvaultd-" + std::to_string(++run_counter) + ".log";
    std::vector<std::string> argv{
        bin_dir() + "/kinvaultd", "--data", data_dir(), "--port", "0", "--key-file", key_file()};
    argv.insert(argv.end(), m_options.args.begin(), m_options.args.end());
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(out_pipe[1], 1);
        const int log_fd = ::open(m_log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(log_fd, 2);
        apply_env(m_options.env);
        auto args = c_argv(argv);
        ::execv(args[0], args.data());
        std::_Exit(127);
    }
    ::close(out_pipe[1]);
    m_pid = pid;
    m_stdout.clear();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (m_stdout.find("listening on") == std::string::npos ||
           m_stdout.find('\n', m_stdout.find("listening on")) == std::string::npos) {
        pollfd p{out_pipe[0], POLLIN, 0};
        const int left = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                .count());
        if (left <= 0 || ::poll(&p, 1, left) <= 0) {
            break;
        }
        char buf[4096];
        const ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        m_stdout.append(buf, static_cast<std::size_t>(n));
    }
    // Keep draining stdout in the background so the daemon never blocks on a full pipe.
    std::thread([fd = out_pipe[0]] {
        char buf[4096];
        while (::read(fd, buf, sizeof buf) > 0) {
        }
        ::close(fd);
    }).detach();
    const auto pos = m_stdout.find("127.0.0.1:");
    INFO("kinvaultd stdout: " << m_stdout << "\nlog: " << log());
    REQUIRE(pos != std::string::npos);
    m_port = static_cast<std::uint16_t>(std::stoi(m_stdout.substr(pos + 10)));
}

int Daemon::stop() {
    if (m_pid <= 0) {
        return -1;
    }
    ::kill(m_pid, SIGTERM);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void Daemon::set_env(const std::string& key, const std::string& value) {
    m_options.env[key] = value;
}

void Daemon::kill_hard() {
    if (m_pid <= 0) {
        return;
    }
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
}

Poco::JSON::Object::Ptr Response::json() const {
    Poco::JSON::Parser parser;
    return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string Response::error_code() const {
    try {
        return json()->getObject("error")->getValue<std::string>("code");
    } catch (const Poco::Exception&) {
        return "";
    }
}

Client::Client(std::string url, std::string ca_path) : m_url(std::move(url)), m_ca(std::move(ca_path)) {}

Response Client::request(const std::string& method, const std::string& path, const std::string& body,
                         const std::string& content_type,
                         const std::map<std::string, std::string>& headers) const {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.caLocation = m_ca;
    params.loadDefaultCAs = false;
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    const auto colon = m_url.rfind(':');
    const auto port = static_cast<Poco::UInt16>(std::stoi(m_url.substr(colon + 1)));
    Poco::Net::HTTPSClientSession session("localhost", port, ctx);
    session.setTimeout(Poco::Timespan(120, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!m_token.empty()) {
        req.set("Authorization", "Bearer " + m_token);
    }
    for (const auto& [k, v] : headers) {
        req.set(k, v);
    }
    if (!body.empty() || method == "POST" || method == "PUT") {
        req.setContentType(content_type);
        req.setContentLength64(static_cast<Poco::Int64>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    Response r;
    r.status = static_cast<int>(resp.getStatus());
    Poco::StreamCopier::copyToString(in, r.body);
    for (const auto& [k, v] : resp) {
        r.headers[k] = v;
    }
    return r;
}

Response Client::post_json(const std::string& path, const Poco::JSON::Object::Ptr& body) const {
    std::ostringstream out;
    body->stringify(out);
    return request("POST", path, out.str());
}

void Client::login(const std::string& email, const std::string& password) {
    const Response r = post_json("/api/v1/sessions", obj({{"email", email}, {"password", password}}));
    INFO(r.body);
    REQUIRE(r.status == 201);
    m_token = r.json()->getValue<std::string>("token");
}

Poco::JSON::Object::Ptr obj(std::initializer_list<std::pair<std::string, std::string>> fields) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
    for (const auto& [k, v] : fields) {
        o->set(k, v);
    }
    return o;
}

CliUser::CliUser(std::string home, std::string password)
    : m_home(std::move(home)), m_password(std::move(password)) {
    std::filesystem::create_directories(m_home);
}

ProcessResult CliUser::run(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env) const {
    std::vector<std::string> argv{bin_dir() + "/kinvault"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> e{{"XDG_CONFIG_HOME", m_home}, {"KINVAULT_PASSWORD", m_password}};
    for (const auto& [k, v] : env) {
        e[k] = v;
    }
    return run_process(argv, e);
}

Poco::Dynamic::Var CliUser::json(const std::vector<std::string>& args) const {
    std::vector<std::string> a{"--json"};
    a.insert(a.end(), args.begin(), args.end());
    const ProcessResult r = run(a);
    INFO("kinvault " << args.front() << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    Poco::JSON::Parser parser;
    return parser.parse(r.out);
}

std::string make_pdf(const std::string& marker, int pages) {
    std::vector<std::string> objects;
    // 1: catalog, 2: pages, 3: font, then per page: page object and its content stream.
    objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
    std::string kids;
    for (int i = 0; i < pages; ++i) {
        kids += std::to_string(4 + 2 * i) + " 0 R ";
    }
    objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>");
    objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    for (int i = 0; i < pages; ++i) {
        objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents " +
                          std::to_string(5 + 2 * i) + " 0 R /Resources << /Font << /F1 3 0 R >> >> >>");
        const std::string stream =
            "BT /F1 18 Tf 72 700 Td (" + marker + " page " + std::to_string(i + 1) + ") Tj ET";
        objects.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream +
                          "\nendstream");
    }
    std::string out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    std::vector<std::size_t> offsets;
    for (std::size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const std::size_t xref = out.size();
    out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (const std::size_t o : offsets) {
        char line[32];
        std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
        out += line;
    }
    out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return out;
}

ProcessResult run_process_for(const std::vector<std::string>& argv_in,
                              const std::map<std::string, std::string>& env, int timeout_seconds) {
    std::vector<std::string> argv = argv_in;
    int out_pipe[2];
    int err_pipe[2];
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        apply_env(env);
        ::setsid();
        auto args = c_argv(argv);
        ::execv(args[0], args.data());
        std::_Exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    std::thread watchdog([&] {
        std::unique_lock<std::mutex> lock(mutex);
        if (!cv.wait_for(lock, std::chrono::seconds(timeout_seconds), [&] { return done; })) {
            ::kill(pid, SIGKILL);
        }
    });
    ProcessResult r;
    std::thread err_reader([&] { read_all(err_pipe[0], r.err); });
    read_all(out_pipe[0], r.out);
    err_reader.join();
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    {
        std::lock_guard<std::mutex> lock(mutex);
        done = true;
    }
    cv.notify_all();
    watchdog.join();
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return r;
}

std::vector<std::string> files_under(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
            out.push_back(it->path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> blob_files(const std::string& data_dir) {
    const std::string tmp = data_dir + "/blobs/tmp/";
    std::vector<std::string> out;
    for (const auto& f : files_under(data_dir + "/blobs")) {
        if (f.rfind(tmp, 0) != 0) {
            out.push_back(f);
        }
    }
    return out;
}

std::string sqlite(const std::string& database, const std::string& sql) {
    // The statement travels as an argument, so no quoting of SQL inside Python source is needed.
    static const char* const script = "import sqlite3, sys\n"
                                      "con = sqlite3.connect(sys.argv[1])\n"
                                      "rows = con.execute(sys.argv[2]).fetchall()\n"
                                      "con.commit()\n"
                                      "con.close()\n"
                                      "for r in rows:\n"
                                      "    print('|'.join('' if v is None else (v.hex() if isinstance(v, "
                                      "bytes) else str(v)) for v in r))\n";
    const std::string python = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "/bin/python3";
    const ProcessResult r = run_process({python, "-c", script, database, sql});
    INFO("sqlite " << sql << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

std::string url_encode(const std::string& text) {
    std::string out;
    Poco::URI::encode(text, "!#$&'()*+,/:;=?@[]\"% ", out);
    return out;
}

Response upload_document(const Client& client, const std::string& case_id, const std::string& type,
                         const std::string& pdf, const std::string& title, const std::string& filename) {
    std::string path = "/api/v1/cases/" + case_id + "/documents?type=" + url_encode(type);
    if (!title.empty()) {
        path += "&title=" + url_encode(title);
    }
    if (!filename.empty()) {
        path += "&filename=" + url_encode(filename);
    }
    return client.request("POST", path, pdf, "application/pdf");
}

std::string create_case(const Client& clinician, const std::string& name, const std::string& mode) {
    const Response r = clinician.post_json("/api/v1/cases", obj({{"name", name}, {"mode", mode}}));
    INFO(r.body);
    REQUIRE(r.status == 201);
    return r.json()->getValue<std::string>("id");
}

Joined join_case(const Client& clinician, const std::string& case_id, const std::string& role,
                 const std::string& name, const std::string& email, const std::string& password,
                 const std::string& represents) {
    auto body = obj({{"role", role}, {"name", name}, {"email", email}});
    if (!represents.empty()) {
        body->set("represents", represents);
    }
    const Response invited = clinician.post_json("/api/v1/cases/" + case_id + "/parties", body);
    INFO(invited.body);
    REQUIRE(invited.status == 201);
    Joined j;
    j.party_id = invited.json()->getObject("party")->getValue<std::string>("id");
    const std::string token = invited.json()->getValue<std::string>("token");
    Client anonymous = clinician;
    anonymous.set_token("");
    const Response accepted =
        anonymous.post_json("/api/v1/invitations/accept", obj({{"token", token}, {"password", password}}));
    INFO(accepted.body);
    REQUIRE(accepted.status == 201);
    j.token = accepted.json()->getValue<std::string>("token");
    j.user_id = accepted.json()->getObject("user")->getValue<std::string>("user_id");
    return j;
}

} // namespace kvtest
