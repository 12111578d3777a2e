// Method + path-pattern routing with named segments ("/api/v1/cases/{case}/documents").
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kinvault::http {

class Exchange;
using Handler = std::function<void(Exchange&)>;

struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    std::vector<std::string> segments;
};

struct RouteMatch {
    const Route* route{nullptr};
    std::map<std::string, std::string> params;
    bool path_known{false}; // the path exists for another method (405 rather than 404)
};

class Router {
public:
    void add(const std::string& method, const std::string& pattern, Handler handler);
    [[nodiscard]] RouteMatch match(const std::string& method, const std::string& path) const;
    [[nodiscard]] const std::vector<Route>& routes() const { return m_routes; }
    // Answers GET/HEAD requests outside /api/ that no route matched (the browser pages and their assets).
    void set_fallback(Handler handler) {
        m_fallback = handler;
        m_fallback_route = Route{"GET", "(page)", std::move(handler), {}};
    }

private:
    std::vector<Route> m_routes;
    Handler m_fallback;
    Route m_fallback_route;
};

[[nodiscard]] std::vector<std::string> split_path(const std::string& path);

} // namespace kinvault::http
