// The browser pages and their assets, served by kinvaultd itself from a directory (daemon/web): the daemon
// has no internet and the pages must load nothing from elsewhere (CSP 'self').
#pragma once

#include "http/router.h"

#include <optional>
#include <string>

namespace kinvault::http {

// Installs the router's fallback: GET/HEAD outside /api/ answered from files under `web_root`.
// "/" and directories give their index.html, "/invite" gives invite.html, anything else missing the 404 page.
void add_web_routes(Router& router, const std::string& web_root);

// The file under `web_root` a decoded URL path names, or nothing when the path is unsafe (a dot segment, a
// hidden name, a NUL or backslash, an extension we do not serve) or resolves (through symlinks) outside the
// root. Exposed for tests.
[[nodiscard]] std::optional<std::string> resolve_web_path(const std::string& web_root,
                                                          const std::string& url_path);

// Content-Type by file extension; only extensions listed here are served at all.
[[nodiscard]] std::optional<std::string> web_content_type(const std::string& file_path);

} // namespace kinvault::http
