#include "http/router.h"

namespace kinvault::http {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        while (i < path.size() && path[i] == '/') {
            ++i;
        }
        const std::size_t j = path.find('/', i);
        const std::size_t end = j == std::string::npos ? path.size() : j;
        if (end > i) {
            out.push_back(path.substr(i, end - i));
        }
        i = end;
    }
    return out;
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
    m_routes.push_back(Route{method, pattern, std::move(handler), split_path(pattern)});
}

RouteMatch Router::match(const std::string& method, const std::string& path) const {
    const std::vector<std::string> parts = split_path(path);
    RouteMatch result;
    for (const Route& r : m_routes) {
        if (r.segments.size() != parts.size()) {
            continue;
        }
        std::map<std::string, std::string> params;
        bool ok = true;
        for (std::size_t i = 0; i < parts.size() && ok; ++i) {
            const std::string& seg = r.segments[i];
            if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
                params[seg.substr(1, seg.size() - 2)] = parts[i];
            } else if (seg != parts[i]) {
                ok = false;
            }
        }
        if (!ok) {
            continue;
        }
        if (r.method != method) {
            result.path_known = true;
            continue;
        }
        result.route = &r;
        result.params = std::move(params);
        return result;
    }
    if (m_fallback && !result.path_known && (method == "GET" || method == "HEAD") &&
        path.rfind("/api/", 0) != 0) {
        result.route = &m_fallback_route;
    }
    return result;
}

} // namespace kinvault::http
