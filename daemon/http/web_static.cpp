#include "http/web_static.h"

#include "http/exchange.h"

#include <Poco/Logger.h>
#include <Poco/URI.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <utility>

namespace kinvault::http {

namespace {

namespace fs = std::filesystem;

// An allow-list, so package manifests, source maps and dotfiles that npm leaves under node_modules are never
// served. .mjs must be a JavaScript type: browsers refuse module scripts served as anything else.
constexpr std::array<std::pair<const char*, const char*>, 12> k_types{{
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".pfb", "application/octet-stream"},   // pdf.js standard fonts
    {".bcmap", "application/octet-stream"}, // pdf.js CMaps
    {".txt", "text/plain; charset=utf-8"},
}};

bool safe_segment(const std::string& seg) {
    if (seg.empty() || seg.front() == '.') {
        return false; // ".", "..", and hidden files
    }
    for (const char c : seg) {
        if (c == '\0' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
            return false;
        }
    }
    return true;
}

bool within(const fs::path& root, const fs::path& candidate) {
    auto r = root.begin();
    auto c = candidate.begin();
    for (; r != root.end(); ++r, ++c) {
        if (c == candidate.end() || *r != *c) {
            return false;
        }
    }
    return true;
}

// The canonical path of `p` if it is a regular file inside `root` (which is canonical already).
std::optional<std::string> existing_file(const fs::path& root, const fs::path& p) {
    std::error_code ec;
    const fs::path real = fs::canonical(p, ec);
    if (ec || !within(root, real) || !fs::is_regular_file(real, ec) || ec) {
        return std::nullopt;
    }
    return real.string();
}

void send_file(Exchange& ex, const std::string& path, int status) {
    const auto type = web_content_type(path);
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (!type || !in || ec) {
        ex.send_error(Errc::not_found, "This page does not exist.");
        return;
    }
    ex.response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    ex.response.setContentType(*type);
    ex.response.setContentLength64(static_cast<Poco::Int64>(size));
    if (ex.request.getMethod() == "HEAD") {
        ex.response.send();
        ex.mark_sent();
        return;
    }
    std::ostream& out = ex.response.send();
    std::array<char, 64 * 1024> buf{};
    while (in.read(buf.data(), buf.size()) || in.gcount() > 0) {
        out.write(buf.data(), in.gcount());
        if (!out) {
            break; // the browser went away
        }
    }
    ex.mark_sent();
}

void send_not_found(Exchange& ex, const fs::path& root) {
    if (const auto page = existing_file(root, root / "404.html")) {
        send_file(ex, *page, 404);
        return;
    }
    ex.send_error(Errc::not_found, "This page does not exist.");
}

} // namespace

std::optional<std::string> web_content_type(const std::string& file_path) {
    const std::string ext = fs::path(file_path).extension().string();
    for (const auto& [e, type] : k_types) {
        if (ext == e) {
            return std::string(type);
        }
    }
    return std::nullopt;
}

std::optional<std::string> resolve_web_path(const std::string& web_root, const std::string& url_path) {
    std::error_code ec;
    const fs::path root = fs::canonical(web_root, ec);
    if (ec) {
        return std::nullopt;
    }
    fs::path p = root;
    const std::vector<std::string> segments = split_path(url_path);
    for (const std::string& seg : segments) {
        if (!safe_segment(seg)) {
            return std::nullopt;
        }
        p /= seg;
    }
    std::optional<std::string> found;
    if (fs::is_directory(p, ec)) {
        found = existing_file(root, p / "index.html");
    } else if (!segments.empty() && fs::path(segments.back()).extension().empty()) {
        // Clean page addresses: /invite is invite.html (the invitation link in e-mails stays short).
        found = existing_file(root, p.string() + ".html");
    } else {
        found = existing_file(root, p);
    }
    if (!found || !web_content_type(*found)) {
        return std::nullopt;
    }
    return found;
}

void add_web_routes(Router& router, const std::string& web_root) {
    std::error_code ec;
    const fs::path root = fs::canonical(web_root, ec);
    if (ec || !fs::is_directory(root, ec)) {
        Poco::Logger::get("kinvault.http")
            .warning("browser pages not served: %s is not a directory", web_root);
        return;
    }
    router.set_fallback([root](Exchange& ex) {
        std::string path;
        try {
            // Poco::URI decodes percent-escapes, so "%2e%2e" arrives here as ".." and is refused below.
            path = Poco::URI(ex.request.getURI()).getPath();
        } catch (const Poco::Exception&) {
            send_not_found(ex, root);
            return;
        }
        const auto file = resolve_web_path(root.string(), path);
        if (!file) {
            send_not_found(ex, root);
            return;
        }
        send_file(ex, *file, 200);
    });
}

} // namespace kinvault::http
