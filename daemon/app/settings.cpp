#include "app/settings.h"

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace kinvault::app {

std::string Settings::env_name(const std::string& key) {
    std::string out = "KINVAULT_";
    for (const char c : key) {
        out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return out;
}

bool Settings::load_file(const std::string& path, std::string& error) {
    try {
        Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> cfg(
            new Poco::Util::PropertyFileConfiguration(path));
        std::vector<std::string> stack{""};
        while (!stack.empty()) {
            const std::string prefix = stack.back();
            stack.pop_back();
            Poco::Util::AbstractConfiguration::Keys keys;
            cfg->keys(prefix, keys);
            for (const auto& k : keys) {
                const std::string full = prefix.empty() ? k : prefix + "." + k;
                if (cfg->hasProperty(full)) {
                    m_file[full] = cfg->getRawString(full);
                }
                stack.push_back(full);
            }
        }
        return true;
    } catch (const Poco::Exception& e) {
        error = e.displayText();
        return false;
    }
}

bool Settings::has(const std::string& key) const {
    return m_cli.count(key) > 0 || std::getenv(env_name(key).c_str()) != nullptr || m_file.count(key) > 0;
}

std::string Settings::get(const std::string& key, const std::string& fallback) const {
    if (const auto it = m_cli.find(key); it != m_cli.end()) {
        return it->second;
    }
    if (const char* env = std::getenv(env_name(key).c_str())) {
        return env;
    }
    if (const auto it = m_file.find(key); it != m_file.end()) {
        return it->second;
    }
    return fallback;
}

std::int64_t Settings::get_int(const std::string& key, std::int64_t fallback) const {
    const std::string v = get(key);
    if (v.empty()) {
        return fallback;
    }
    std::size_t used = 0;
    long long n = 0;
    try {
        n = std::stoll(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v.size() || used == 0) {
        throw std::invalid_argument("setting " + key + " (" + env_name(key) +
                                    ") must be a whole number, not '" + v + "'");
    }
    return n;
}

} // namespace kinvault::app
