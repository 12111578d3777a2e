// HTTPS client for the Kinvault API: verifies the server against the practice root CA (or the system
// store), sends the bearer token, maps error answers back to Errc with the server's message.
#pragma once

#include "common/result.h"

#include <Poco/JSON/Object.h>

#include <functional>
#include <string>

namespace kinvault::client {

struct DownloadInfo {
    std::uint64_t size{0};
    std::string sha256;
    std::string filename;
    std::string obligations;
};

class ApiClient {
public:
    ApiClient(std::string server, std::string ca_path, std::string token);

    [[nodiscard]] Result<Poco::JSON::Object::Ptr> call(const std::string& method, const std::string& path,
                                                       const Poco::JSON::Object::Ptr& body = nullptr);
    // Streams a file as the request body (with Expect: 100-continue, so a refusal comes before the bytes).
    [[nodiscard]] Result<Poco::JSON::Object::Ptr> upload(const std::string& path, const std::string& file,
                                                         const std::string& content_type = "application/pdf");
    // Streams the response body to `out_file` (written to a temporary name, renamed when complete).
    [[nodiscard]] Result<DownloadInfo> download(const std::string& path, const std::string& out_file);

    [[nodiscard]] const std::string& server() const { return m_server; }

private:
    std::string m_server;
    std::string m_ca;
    std::string m_token;
};

// Progress on transfers over 1 MiB, on stderr when it is a terminal (or KINVAULT_PROGRESS=1).
class Progress {
public:
    Progress(std::string label, std::uint64_t total);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    void advance(std::uint64_t bytes);

private:
    std::string m_label;
    std::uint64_t m_total;
    std::uint64_t m_done{0};
    int m_last_percent{-1};
    bool m_enabled;
};

[[nodiscard]] std::string url_encode(const std::string& text);

} // namespace kinvault::client
