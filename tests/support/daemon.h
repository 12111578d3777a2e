// Test support for integration tests: a real kinvaultd on port 0 over real HTTPS, a small HTTPS client,
// and a runner for the real `kinvault` CLI with a per-user config directory.
#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kvtest {

std::string bin_dir();
std::string source_dir();
// A fresh, empty temporary directory (removed by the returned object's destructor).
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "kvtest");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

struct ProcessResult {
    int exit_code{-1};
    std::string out;
    std::string err;
};

// Runs a program with arguments and extra environment variables, optional stdin text; waits for it.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::string& stdin_text = "");

inline constexpr const char* k_clinician_email = "clinician@example.org";
inline constexpr const char* k_clinician_password = "clinician-password-1";

struct DaemonOptions {
    std::map<std::string, std::string> env; // extra environment for kinvaultd (settings)
    std::vector<std::string> args;          // extra arguments
};

class Daemon {
public:
    explicit Daemon(DaemonOptions options = {});
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    void start();     // starts (or restarts) kinvaultd and waits for its port
    int stop();       // SIGTERM, waits, returns the exit status (-1 on a signal)
    void kill_hard(); // SIGKILL, reaps
    [[nodiscard]] bool running() const { return m_pid > 0; }

    [[nodiscard]] std::uint16_t port() const { return m_port; }
    [[nodiscard]] std::string url() const { return "https://localhost:" + std::to_string(m_port); }
    [[nodiscard]] std::string ca_path() const { return m_dir.path() + "/data/practice-root-ca.pem"; }
    [[nodiscard]] std::string data_dir() const { return m_dir.path() + "/data"; }
    [[nodiscard]] std::string key_file() const { return m_dir.path() + "/unseal.key"; }
    [[nodiscard]] std::string log() const; // stderr of the current run so far
    [[nodiscard]] const std::string& stdout_text() const { return m_stdout; }
    // Changes one setting of the environment for the next start() (an empty value removes it).
    void set_env(const std::string& key, const std::string& value);
    [[nodiscard]] int pid() const { return m_pid; }
    // The temporary directory holding data/, the unseal key and the logs.
    [[nodiscard]] const std::string& dir() const { return m_dir.path(); }

private:
    TempDir m_dir;
    DaemonOptions m_options;
    int m_pid{-1};
    std::uint16_t m_port{0};
    std::string m_stdout;
    std::string m_log_path;
};

struct Response {
    int status{0};
    std::string body;
    std::map<std::string, std::string> headers;
    [[nodiscard]] Poco::JSON::Object::Ptr json() const;
    [[nodiscard]] std::string error_code() const;
};

// An HTTPS client that trusts only the daemon's practice root.
class Client {
public:
    Client(std::string url, std::string ca_path);
    Response request(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::string& content_type = "application/json",
                     const std::map<std::string, std::string>& headers = {}) const;
    Response get(const std::string& path) const { return request("GET", path); }
    Response post_json(const std::string& path, const Poco::JSON::Object::Ptr& body) const;
    Response upload(const std::string& path, const std::string& bytes) const {
        return request("POST", path, bytes, "application/pdf");
    }
    void set_token(std::string token) { m_token = std::move(token); }
    [[nodiscard]] const std::string& token() const { return m_token; }
    // Signs in and keeps the bearer token; REQUIREs success.
    void login(const std::string& email, const std::string& password);

private:
    std::string m_url;
    std::string m_ca;
    std::string m_token;
};

Poco::JSON::Object::Ptr obj(std::initializer_list<std::pair<std::string, std::string>> fields);

// Runs the kinvault CLI as one user: a private XDG_CONFIG_HOME under `home`.
class CliUser {
public:
    CliUser(std::string home, std::string password);
    ProcessResult run(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env = {}) const;
    // Runs with --json and parses the output (REQUIREs exit 0).
    Poco::Dynamic::Var json(const std::vector<std::string>& args) const;
    [[nodiscard]] const std::string& home() const { return m_home; }
    void set_password(std::string p) { m_password = std::move(p); }

private:
    std::string m_home;
    std::string m_password;
};

// A small valid PDF with `pages` pages whose text includes `marker`.
std::string make_pdf(const std::string& marker, int pages = 1);
// Reads/writes whole files.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);

// Like run_process, but SIGKILLs the program after `timeout_seconds` (exit_code is then -SIGKILL), so a
// program that should have refused to start cannot hang the suite.
ProcessResult run_process_for(const std::vector<std::string>& argv,
                              const std::map<std::string, std::string>& env, int timeout_seconds);

// Every regular file under `dir`, recursively (full paths).
std::vector<std::string> files_under(const std::string& dir);
// The stored blob files under a vault's data directory (data/blobs, excluding its tmp/ directory).
std::vector<std::string> blob_files(const std::string& data_dir);
// Runs SQL against a SQLite database with python3's sqlite3 module (the daemon must be stopped); the
// result rows come back one per line, columns separated by '|'. REQUIREs success.
std::string sqlite(const std::string& database, const std::string& sql);

// Percent-encodes a query-string value.
std::string url_encode(const std::string& text);
// POST /api/v1/cases/{case}/documents with the title and file name in the query string.
Response upload_document(const Client& client, const std::string& case_id, const std::string& type,
                         const std::string& pdf, const std::string& title = "",
                         const std::string& filename = "");

// A case opened by the clinician; returns its id (REQUIREs 201).
std::string create_case(const Client& clinician, const std::string& name, const std::string& mode = "closed");

struct Joined {
    std::string party_id;
    std::string user_id;
    std::string token; // the session the acceptance opened
};
// The clinician invites a party, the party accepts with `password` (REQUIREs success at each step).
Joined join_case(const Client& clinician, const std::string& case_id, const std::string& role,
                 const std::string& name, const std::string& email, const std::string& password,
                 const std::string& represents = "");

} // namespace kvtest
