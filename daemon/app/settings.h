// Configuration: command line, then environment (KINVAULT_<KEY> with dots as underscores, e.g.
// KINVAULT_SERVER_PORT), then the configuration file (--config FILE, else DATA/kinvault.properties), then
// built-in defaults. Every key is listed in README.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace kinvault::app {

class Settings {
public:
    void set_cli(const std::string& key, const std::string& value) { m_cli[key] = value; }
    [[nodiscard]] bool load_file(const std::string& path, std::string& error);

    [[nodiscard]] std::string get(const std::string& key, const std::string& fallback = "") const;
    [[nodiscard]] std::int64_t get_int(const std::string& key, std::int64_t fallback) const;
    [[nodiscard]] bool has(const std::string& key) const;

    [[nodiscard]] static std::string env_name(const std::string& key);

private:
    std::map<std::string, std::string> m_cli;
    std::map<std::string, std::string> m_file;
};

} // namespace kinvault::app
