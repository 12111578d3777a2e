// docs/openapi.yaml and the daemon's routes agree (issue 2 item 12): every route registered in
// daemon/http/*.cpp is documented and every documented route exists, and each documented route answers
// the running daemon with something other than the router's "No such resource." 404.
#include "integration_util.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>

using namespace kvtest;

namespace {

using RouteSet = std::set<std::pair<std::string, std::string>>; // (METHOD, /pattern)

std::string upper(std::string s) {
    for (char& c : s) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return s;
}

// Every m_router.add("METHOD", "PATTERN", ...) in the daemon's HTTP layer.
RouteSet routes_in_source() {
    static const std::regex add(R"re(m_router\.add\(\s*"([A-Z]+)"\s*,\s*"([^"]+)")re");
    RouteSet out;
    for (const auto& f : files_under(source_dir() + "/daemon/http")) {
        if (f.size() < 4 || f.substr(f.size() - 4) != ".cpp") {
            continue;
        }
        const std::string text = read_file(f);
        for (std::sregex_iterator it(text.begin(), text.end(), add), end; it != end; ++it) {
            out.insert({(*it)[1].str(), (*it)[2].str()});
        }
    }
    return out;
}

// The operations under "paths:": a path is a two-space-indented key starting with '/', an operation a
// four-space-indented HTTP method key below it (the layout docs/openapi.yaml keeps).
RouteSet routes_in_openapi(const std::string& yaml) {
    static const std::regex path_line(R"(^  (/[^:\s]*):\s*$)");
    static const std::regex method_line(R"(^    (get|put|post|delete|patch|head|options|trace):\s*$)");
    RouteSet out;
    std::istringstream in(yaml);
    bool in_paths = false;
    std::string current;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (!line.empty() && line[0] != ' ' && line[0] != '#') {
            in_paths = line == "paths:";
            current.clear();
            continue;
        }
        if (!in_paths) {
            continue;
        }
        std::smatch m;
        if (std::regex_match(line, m, path_line)) {
            current = m[1].str();
        } else if (!current.empty() && std::regex_match(line, m, method_line)) {
            out.insert({upper(m[1].str()), current});
        }
    }
    return out;
}

std::string describe(const RouteSet& routes) {
    std::string out;
    for (const auto& [method, pattern] : routes) {
        out += "  " + method + " " + pattern + "\n";
    }
    return out;
}

} // namespace

TEST_CASE("docs/openapi.yaml documents exactly the routes the daemon registers", "[integration][openapi]") {
    const RouteSet source = routes_in_source();
    const RouteSet documented = routes_in_openapi(read_file(source_dir() + "/docs/openapi.yaml"));
    REQUIRE(source.size() >= 20);
    RouteSet undocumented;
    RouteSet phantom;
    std::set_difference(source.begin(), source.end(), documented.begin(), documented.end(),
                        std::inserter(undocumented, undocumented.end()));
    std::set_difference(documented.begin(), documented.end(), source.begin(), source.end(),
                        std::inserter(phantom, phantom.end()));
    INFO("registered but not documented:\n" << describe(undocumented));
    INFO("documented but not registered:\n" << describe(phantom));
    CHECK(undocumented.empty());
    CHECK(phantom.empty());
}

TEST_CASE("the OpenAPI route reader finds operations and ignores other sections", "[integration][openapi]") {
    const RouteSet r =
        routes_in_openapi("openapi: 3.0.3\npaths:\n  /a/{x}:\n    parameters: []\n    get:\n"
                          "      summary: s\n    post:\n      responses: {}\n  /b:\n    delete:\n"
                          "components:\n  /c:\n    get:\n");
    CHECK(r == RouteSet{{"GET", "/a/{x}"}, {"POST", "/a/{x}"}, {"DELETE", "/b"}});
}

TEST_CASE("every documented route is served by the running daemon", "[integration][openapi]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const RouteSet documented = routes_in_openapi(read_file(source_dir() + "/docs/openapi.yaml"));
    REQUIRE_FALSE(documented.empty());
    static const std::regex placeholder(R"(\{[^}/]+\})");
    // Signing out ends the session the other calls use, so it goes last.
    std::vector<std::pair<std::string, std::string>> ordered(documented.begin(), documented.end());
    std::stable_partition(ordered.begin(), ordered.end(), [](const auto& r) { return r.first != "DELETE"; });
    for (const auto& [method, pattern] : ordered) {
        const std::string path = std::regex_replace(pattern, placeholder, "probe_aaaaaaaaaaaaaaaa");
        const Response r = clinician.request(method, path, method == "POST" ? "{}" : "");
        INFO(method << " " << path << " -> " << r.status << " " << r.body);
        const bool router_miss = r.status == 404 && r.json()->getObject("error")->getValue<std::string>(
                                                        "message") == "No such resource.";
        CHECK_FALSE(router_miss);
        CHECK(r.status != 405);
    }
}
