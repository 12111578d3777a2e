#include "client/profile.h"

#include "common/file.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kinvault::client {

std::string config_dir() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg != '\0') {
        return std::string(xdg) + "/kinvault";
    }
    const char* home = std::getenv("HOME");
    return std::string(home != nullptr ? home : ".") + "/.config/kinvault";
}

Result<Profile> load_profile() {
    const std::string path = config_dir() + "/profile.json";
    constexpr std::size_t k_max_profile = 1024 * 1024;
    auto text = read_text_file(path, k_max_profile);
    if (!text && text.error().code == Errc::not_found) {
        return Profile{}; // not signed in yet
    }
    if (!text) {
        return make_error(Errc::invalid_input,
                          "the saved profile " + path + " cannot be read: " + text.error().message);
    }
    try {
        Poco::JSON::Parser parser;
        const auto obj = parser.parse(*text).extract<Poco::JSON::Object::Ptr>();
        Profile p;
        p.server = obj->optValue<std::string>("server", "");
        p.ca = obj->optValue<std::string>("ca", "");
        p.token = obj->optValue<std::string>("token", "");
        p.email = obj->optValue<std::string>("email", "");
        p.audit_checkpoint = obj->optValue<std::string>("audit_checkpoint", "");
        p.audit_verifier_key = obj->optValue<std::string>("audit_verifier_key", "");
        return p;
    } catch (const Poco::Exception& e) {
        return make_error(Errc::invalid_input,
                          "the saved profile " + path + " is damaged: " + e.displayText());
    }
}

Status save_profile(const Profile& p) {
    const std::string dir = config_dir();
    // Create parents as needed, each private to the user.
    std::string partial;
    for (std::size_t i = 0; i <= dir.size(); ++i) {
        if (i == dir.size() || (dir[i] == '/' && i > 0)) {
            partial = dir.substr(0, i);
            if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
                return make_error(Errc::unavailable,
                                  "cannot create " + partial + ": " + std::strerror(errno));
            }
        }
    }
    ::chmod(dir.c_str(), 0700);
    Poco::JSON::Object obj;
    obj.set("server", p.server);
    obj.set("ca", p.ca);
    obj.set("token", p.token);
    obj.set("email", p.email);
    obj.set("audit_checkpoint", p.audit_checkpoint);
    obj.set("audit_verifier_key", p.audit_verifier_key);
    std::ostringstream out;
    obj.stringify(out, 2);
    const std::string path = dir + "/profile.json";
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return make_error(Errc::unavailable, "cannot write " + tmp + ": " + std::strerror(errno));
    }
    const std::string text = out.str();
    const bool ok =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::fchmod(fd, 0600);
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        return make_error(Errc::unavailable, "cannot save the session to " + path);
    }
    return {};
}

} // namespace kinvault::client
