#include "crypto/secret_prompt.h"

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace kinvault::crypto {

Result<Secret> prompt_secret(const std::string& prompt) {
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return make_error(Errc::invalid_input, "no terminal to ask for a secret on");
    }
    (void)!::write(fd, prompt.data(), prompt.size());
    termios old{};
    const bool have_termios = ::tcgetattr(fd, &old) == 0;
    if (have_termios) {
        termios quiet = old;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    Secret buffer(1024);
    std::size_t len = 0;
    char c = 0;
    while (len < buffer.size() && ::read(fd, &c, 1) == 1 && c != '\n' && c != '\r') {
        buffer.data()[len++] = static_cast<std::uint8_t>(c);
    }
    c = 0;
    if (have_termios) {
        ::tcsetattr(fd, TCSAFLUSH, &old);
    }
    (void)!::write(fd, "\n", 1);
    ::close(fd);
    return Secret(buffer.data(), len);
}

Secret secret_from_env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr) {
        return Secret();
    }
    return Secret(reinterpret_cast<const std::uint8_t*>(value), std::strlen(value));
}

} // namespace kinvault::crypto
