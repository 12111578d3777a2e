#include "client/api_client.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kinvault::client {

namespace {

Errc errc_for_status(int status, const std::string& code) {
    if (code == "totp_required") {
        return Errc::second_factor;
    }
    switch (status) {
    case 400:
        return Errc::invalid_input;
    case 401:
        return Errc::unauthenticated;
    case 403:
        return Errc::forbidden;
    case 404:
        return Errc::not_found;
    case 409:
        return Errc::conflict;
    case 410:
        return Errc::gone;
    case 413:
        return Errc::payload_too_large;
    case 415:
        return Errc::unsupported_media;
    case 422:
        return Errc::unprocessable;
    case 429:
        return Errc::rate_limited;
    case 503:
        return Errc::unavailable;
    default:
        return status >= 500 ? Errc::internal : Errc::invalid_input;
    }
}

Error error_from(int status, const std::string& body) {
    std::string message = "the server answered " + std::to_string(status);
    std::string code;
    try {
        Poco::JSON::Parser parser;
        const auto obj = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
        if (obj->has("error")) {
            const auto err = obj->getObject("error");
            message = err->optValue<std::string>("message", message);
            code = err->optValue<std::string>("code", "");
        }
    } catch (const Poco::Exception&) {
        // Not our JSON (a proxy page?): keep the status text.
    }
    return make_error(errc_for_status(status, code), message);
}

struct Target {
    std::string host;
    Poco::UInt16 port{443};
    std::string base_path;
};

Result<Target> parse_server(const std::string& server) {
    if (server.empty()) {
        return make_error(Errc::invalid_input, "no server: pass --server https://HOST:PORT (saved by login)");
    }
    try {
        const Poco::URI uri(server);
        if (uri.getScheme() != "https") {
            return make_error(Errc::invalid_input, "the server must be an https:// URL");
        }
        Target t;
        t.host = uri.getHost();
        t.port = uri.getPort();
        t.base_path = uri.getPath();
        if (!t.base_path.empty() && t.base_path.back() == '/') {
            t.base_path.pop_back();
        }
        return t;
    } catch (const Poco::Exception& e) {
        return make_error(Errc::invalid_input, "bad server URL: " + e.displayText());
    }
}

Poco::Net::Context::Ptr client_context(const std::string& ca) {
    // The practice root CA is the only trust anchor when given; the host name is always checked.
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.caLocation = ca;
    params.loadDefaultCAs = ca.empty();
    params.cipherList = "HIGH:!aNULL:!MD5:!RC4";
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    return ctx;
}

template <typename F>
auto guarded(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const Poco::Net::SSLException& e) {
        return make_error(Errc::unavailable,
                          "TLS failed (is --ca the practice root CA?): " + e.displayText());
    } catch (const Poco::Net::NetException& e) {
        return make_error(Errc::unavailable, "cannot reach the server: " + e.displayText());
    } catch (const Poco::TimeoutException&) {
        return make_error(Errc::unavailable, "the server did not answer in time");
    } catch (const Poco::Exception& e) {
        return make_error(Errc::unavailable, "cannot talk to the server: " + e.displayText());
    }
}

} // namespace

std::string url_encode(const std::string& text) {
    std::string out;
    Poco::URI::encode(text, "!#$&'()*+,/:;=?@[]% \"<>", out);
    return out;
}

ApiClient::ApiClient(std::string server, std::string ca_path, std::string token)
    : m_server(std::move(server)), m_ca(std::move(ca_path)), m_token(std::move(token)) {}

Result<Poco::JSON::Object::Ptr> ApiClient::call(const std::string& method, const std::string& path,
                                                const Poco::JSON::Object::Ptr& body) {
    auto target = parse_server(m_server);
    if (!target) {
        return std::move(target).error();
    }
    return guarded([&]() -> Result<Poco::JSON::Object::Ptr> {
        Poco::Net::HTTPSClientSession session(target->host, target->port, client_context(m_ca));
        session.setTimeout(Poco::Timespan(120, 0));
        Poco::Net::HTTPRequest req(method, target->base_path + path, Poco::Net::HTTPMessage::HTTP_1_1);
        req.set("User-Agent", "kinvault-cli/0.1");
        if (!m_token.empty()) {
            req.set("Authorization", "Bearer " + m_token);
        }
        std::string payload;
        if (body) {
            std::ostringstream out;
            body->stringify(out);
            payload = out.str();
            req.setContentType("application/json");
        }
        req.setContentLength(static_cast<std::streamsize>(payload.size()));
        session.sendRequest(req) << payload;
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        std::string text;
        Poco::StreamCopier::copyToString(in, text);
        const int status = static_cast<int>(resp.getStatus());
        if (status < 200 || status >= 300) {
            return error_from(status, text);
        }
        if (text.empty()) {
            return Poco::JSON::Object::Ptr(new Poco::JSON::Object());
        }
        Poco::JSON::Parser parser;
        return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    });
}

Result<Poco::JSON::Object::Ptr> ApiClient::upload(const std::string& path, const std::string& file,
                                                  const std::string& content_type) {
    auto target = parse_server(m_server);
    if (!target) {
        return std::move(target).error();
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return make_error(Errc::invalid_input, "cannot read " + file);
    }
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return make_error(Errc::invalid_input, file + " is not a regular file");
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    return guarded([&]() -> Result<Poco::JSON::Object::Ptr> {
        Poco::Net::HTTPSClientSession session(target->host, target->port, client_context(m_ca));
        session.setTimeout(Poco::Timespan(600, 0));
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, target->base_path + path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
        req.set("User-Agent", "kinvault-cli/0.1");
        req.set("Authorization", "Bearer " + m_token);
        req.setContentType(content_type);
        req.setContentLength64(static_cast<Poco::Int64>(size));
        req.setExpectContinue(true);
        std::ostream& out = session.sendRequest(req);
        Poco::Net::HTTPResponse early;
        if (!session.peekResponse(early)) {
            // The server answered without "100 Continue": read its verdict instead of sending the file.
            std::string text;
            std::istream& body = session.receiveResponse(early);
            Poco::StreamCopier::copyToString(body, text);
            return error_from(static_cast<int>(early.getStatus()), text);
        }
        Progress progress("upload", size);
        std::vector<char> buf(256 * 1024);
        while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
            out.write(buf.data(), in.gcount());
            progress.advance(static_cast<std::uint64_t>(in.gcount()));
            if (!out) {
                break;
            }
        }
        Poco::Net::HTTPResponse resp;
        std::istream& rs = session.receiveResponse(resp);
        std::string text;
        Poco::StreamCopier::copyToString(rs, text);
        const int status = static_cast<int>(resp.getStatus());
        if (status < 200 || status >= 300) {
            return error_from(status, text);
        }
        Poco::JSON::Parser parser;
        return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
    });
}

Result<DownloadInfo> ApiClient::download(const std::string& path, const std::string& out_file) {
    auto target = parse_server(m_server);
    if (!target) {
        return std::move(target).error();
    }
    return guarded([&]() -> Result<DownloadInfo> {
        Poco::Net::HTTPSClientSession session(target->host, target->port, client_context(m_ca));
        session.setTimeout(Poco::Timespan(600, 0));
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, target->base_path + path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
        req.set("User-Agent", "kinvault-cli/0.1");
        req.set("Authorization", "Bearer " + m_token);
        session.sendRequest(req);
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        const int status = static_cast<int>(resp.getStatus());
        if (status != 200) {
            std::string text;
            Poco::StreamCopier::copyToString(in, text);
            return error_from(status, text);
        }
        DownloadInfo info;
        info.size = resp.hasContentLength() ? static_cast<std::uint64_t>(resp.getContentLength64()) : 0;
        info.sha256 = resp.get("X-Kinvault-SHA256", "");
        info.obligations = resp.get("X-Kinvault-Obligations", "");
        const std::string tmp = out_file + ".part";
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            if (!out) {
                return make_error(Errc::invalid_input, "cannot write " + out_file);
            }
            Progress progress("download", info.size);
            std::vector<char> buf(256 * 1024);
            std::uint64_t got = 0;
            while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
                out.write(buf.data(), in.gcount());
                got += static_cast<std::uint64_t>(in.gcount());
                progress.advance(static_cast<std::uint64_t>(in.gcount()));
            }
            out.close();
            if (!out || (info.size != 0 && got != info.size)) {
                std::remove(tmp.c_str());
                return make_error(Errc::unavailable, "the download was cut short; nothing was saved");
            }
        }
        if (std::rename(tmp.c_str(), out_file.c_str()) != 0) {
            std::remove(tmp.c_str());
            return make_error(Errc::invalid_input, "cannot write " + out_file);
        }
        return info;
    });
}

Progress::Progress(std::string label, std::uint64_t total)
    : m_label(std::move(label)), m_total(total),
      m_enabled(total > (1u << 20) && (::isatty(2) != 0 || std::getenv("KINVAULT_PROGRESS") != nullptr)) {}

Progress::~Progress() {
    if (m_enabled && m_last_percent >= 0) {
        std::fputs("\n", stderr);
    }
}

void Progress::advance(std::uint64_t bytes) {
    m_done += bytes;
    if (!m_enabled || m_total == 0) {
        return;
    }
    const int percent = static_cast<int>(m_done * 100 / m_total);
    if (percent == m_last_percent) {
        return;
    }
    m_last_percent = percent;
    const int filled = percent / 4;
    std::fprintf(stderr, "\r%s [%-25.*s] %3d%% %.1f/%.1f MiB", m_label.c_str(), filled,
                 "#########################", percent, static_cast<double>(m_done) / 1048576.0,
                 static_cast<double>(m_total) / 1048576.0);
    std::fflush(stderr);
}

} // namespace kinvault::client
