// Human tables by default, JSON with --json, one-line errors on stderr, exit codes that mean something.
#pragma once

#include "common/result.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

namespace kinvault::client {

// Exit codes (documented in README.md and `kinvault --help`).
enum Exit : int {
    exit_ok = 0,
    exit_failed = 1,      // the operation failed for another reason
    exit_usage = 2,       // bad command line
    exit_auth = 3,        // not signed in, wrong password, session ended
    exit_not_found = 4,   // no such object, or not yours to see
    exit_verify = 5,      // a verification failed (audit log, PDF signature, integrity)
    exit_not_ready = 6,   // readiness: the case is not ready
    exit_rejected = 7,    // the server refused the input (invalid, too large, not a PDF, conflict)
    exit_unavailable = 8, // the server could not be reached or is unavailable
};

[[nodiscard]] int exit_code_for(Errc code);
// Prints "kinvault: <message>" on stderr and returns the matching exit code.
int report(const Error& error);

class Table {
public:
    explicit Table(std::vector<std::string> headers) : m_headers(std::move(headers)) {}
    void row(std::vector<std::string> cells) { m_rows.push_back(std::move(cells)); }
    void print() const;

private:
    std::vector<std::string> m_headers;
    std::vector<std::vector<std::string>> m_rows;
};

void print_json(const Poco::JSON::Object::Ptr& obj);
void print_json(const Poco::JSON::Array::Ptr& arr);
[[nodiscard]] std::string str(const Poco::JSON::Object::Ptr& obj, const std::string& key);
[[nodiscard]] Poco::JSON::Array::Ptr items(const Poco::JSON::Object::Ptr& obj);

} // namespace kinvault::client
