// The mailer against a real SMTP server (tests/e2e/smtp_capture.py on Debian's python3-aiosmtpd): what a
// relay receives, how the outbox records each outcome, retries with back-off on a FakeClock, permanent
// refusals, and STARTTLS with a certificate made by openssl.
#include "common/clock.h"
#include "crypto/checkpoint.h"
#include "crypto/keyring.h"
#include "crypto/secret.h"
#include "services/audit.h"
#include "services/mailer.h"
#include "services/notifier.h"
#include "storage/store.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using kinvault::FakeClock;
using kinvault::services::Mail;
using kinvault::services::Mailer;
using kinvault::services::MailerConfig;

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "kv-mailer-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// A port nothing listens on: bound to learn a free number, then closed.
std::uint16_t closed_port() {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

// tests/e2e/smtp_capture.py as a child process; it exits when its stdin closes.
class CaptureServer {
public:
    explicit CaptureServer(const fs::path& dir, std::vector<std::string> extra = {}) : m_dir(dir) {
        int in_pipe[2];
        int out_pipe[2];
        REQUIRE(::pipe(in_pipe) == 0);
        REQUIRE(::pipe(out_pipe) == 0);
        std::vector<std::string> argv{"/usr/bin/python3", std::string(KV_E2E_DIR) + "/smtp_capture.py",
                                      "--dir", dir.string()};
        argv.insert(argv.end(), extra.begin(), extra.end());
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            ::dup2(in_pipe[0], 0);
            ::dup2(out_pipe[1], 1);
            ::close(in_pipe[1]);
            ::close(out_pipe[0]);
            std::vector<char*> args;
            for (auto& a : argv) {
                args.push_back(a.data());
            }
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            std::_Exit(127);
        }
        ::close(in_pipe[0]);
        ::close(out_pipe[1]);
        m_stdin = in_pipe[1];
        std::string out;
        char buf[256];
        while (out.find('\n') == std::string::npos) {
            const ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
            if (n <= 0) {
                break;
            }
            out.append(buf, static_cast<std::size_t>(n));
        }
        ::close(out_pipe[0]);
        const auto at = out.find("listening on ");
        INFO("smtp_capture.py said: " << out);
        REQUIRE(at != std::string::npos);
        port = static_cast<std::uint16_t>(std::stoi(out.substr(at + 13)));
    }
    ~CaptureServer() {
        ::close(m_stdin);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
    [[nodiscard]] std::vector<std::string> messages() const {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(m_dir)) {
            if (e.path().extension() == ".eml") {
                files.push_back(e.path());
            }
        }
        std::sort(files.begin(), files.end());
        std::vector<std::string> out;
        for (const auto& f : files) {
            out.push_back(read_text(f));
        }
        return out;
    }
    std::uint16_t port{0};

private:
    fs::path m_dir;
    pid_t m_pid{-1};
    int m_stdin{-1};
};

// Store + keyring + notifier + audit log, all real, in a temporary directory.
struct World {
    TempDir dir;
    FakeClock clock{1'790'000'000};
    std::unique_ptr<kinvault::storage::Store> store;
    std::unique_ptr<kinvault::crypto::Keyring> ring;
    std::unique_ptr<kinvault::barrier::Barrier> barrier;
    std::unique_ptr<kinvault::services::Notifier> notifier;
    std::unique_ptr<kinvault::services::AuditLog> audit;

    World() {
        auto s = kinvault::storage::open_sqlite_store({(dir.path / "kinvault.db").string(), 2, 10});
        REQUIRE(s.ok());
        store = std::move(s).value();
        const auto key = kinvault::crypto::Secret::random(32);
        auto created = kinvault::crypto::Keyring::create(kinvault::crypto::UnsealMethod::key_file, key);
        REQUIRE(created.ok());
        ring = std::make_unique<kinvault::crypto::Keyring>(std::move(created.value().first));
        barrier = std::make_unique<kinvault::barrier::Barrier>(*ring);
        notifier = std::make_unique<kinvault::services::Notifier>(*store, *barrier, clock);
        notifier->set_public_url("https://kinvault.example:8443");
        const auto seed = kinvault::crypto::Secret::random(32);
        audit = std::make_unique<kinvault::services::AuditLog>(
            *store, clock, kinvault::crypto::CheckpointSigner::from_seed(seed, "test/audit"), "test/audit");
        REQUIRE(audit->load().ok());
    }

    void queue(const std::string& to, const std::string& subject = "Your invitation to Kinvault") {
        const Mail m{to, subject,
                     "Hello,\n\nOpen this link to set up your account:\n\n" +
                         notifier->link("/invite#tok123") + "\n"};
        REQUIRE(notifier->queue("invitation", "case_1", m).ok());
    }

    kinvault::services::OutboxView only_record() {
        auto rows = notifier->outbox_of_case("case_1");
        REQUIRE(rows.ok());
        REQUIRE(rows->size() == 1);
        return rows->front();
    }

    std::string audit_text() {
        auto entries = audit->entries(0, 1000);
        REQUIRE(entries.ok());
        std::string all;
        for (const auto& e : *entries) {
            all += e.entry + "\n";
        }
        return all;
    }
};

MailerConfig config_for(std::uint16_t port) {
    MailerConfig c;
    c.host = "127.0.0.1";
    c.port = port;
    c.from = "Harbor Family Practice <no-reply@harbor.example>";
    c.max_attempts = 3;
    c.timeout_seconds = 10;
    return c;
}

// A self-signed certificate for localhost made by openssl (a tool we did not write).
void make_certificate(const fs::path& cert, const fs::path& key) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
        "/CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
        key.string() + "' -out '" + cert.string() + "' 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
}

} // namespace

TEST_CASE("the mailer hands a due message to the relay and records it as sent", "[mailer]") {
    World w;
    CaptureServer smtp(w.dir.path / "mail");
    Mailer mailer(*w.store, *w.notifier, *w.audit, w.clock, config_for(smtp.port));
    w.queue("maria@example.org", "Einladung für Zoë Núñez");

    auto sent = mailer.deliver_due();
    REQUIRE(sent.ok());
    CHECK(*sent == 1);
    const auto mails = smtp.messages();
    REQUIRE(mails.size() == 1);
    const std::string& m = mails.front();

    SECTION("the relay gets the recipient, the sender and the link") {
        CHECK(m.find("X-Capture-Rcpt: maria@example.org") != std::string::npos);
        CHECK(m.find("X-Capture-From: no-reply@harbor.example") != std::string::npos);
        CHECK(m.find("https://kinvault.example:8443/invite#tok123") != std::string::npos);
        CHECK(m.find("Auto-Submitted: auto-generated") != std::string::npos);
    }
    SECTION("a non-ASCII subject is an RFC 2047 encoded word") {
        CHECK(m.find("Subject: =?UTF-8?") != std::string::npos);
        CHECK(m.find("Zoë") == std::string::npos);
    }
    SECTION("the outbox row says sent, after one attempt, with no error") {
        const auto r = w.only_record();
        CHECK(r.state == "sent");
        CHECK(r.attempts == 1);
        CHECK(r.sent_at == w.clock.now());
        CHECK(r.last_error.empty());
    }
    SECTION("the audit log records the delivery") {
        CHECK(w.audit_text().find("\"action\":\"mail.sent\"") != std::string::npos);
    }
    SECTION("a sent message is not sent again") {
        auto again = mailer.deliver_due();
        REQUIRE(again.ok());
        CHECK(*again == 0);
        CHECK(smtp.messages().size() == 1);
    }
}

TEST_CASE("an unreachable relay is retried with back-off and given up after the last attempt", "[mailer]") {
    World w;
    Mailer mailer(*w.store, *w.notifier, *w.audit, w.clock, config_for(closed_port()));
    w.queue("maria@example.org");
    const auto start = w.clock.now();

    REQUIRE(*mailer.deliver_due() == 0);
    auto r = w.only_record();
    CHECK(r.state == "pending");
    CHECK(r.attempts == 1);
    CHECK(r.last_error == "the mail relay could not be reached");

    SECTION("nothing is tried again before the back-off has passed") {
        w.clock.advance(29);
        REQUIRE(*mailer.deliver_due() == 0);
        CHECK(w.only_record().attempts == 1);
    }
    SECTION("the waits double, and the third failure is final") {
        w.clock.set(start + 30);
        REQUIRE(*mailer.deliver_due() == 0);
        CHECK(w.only_record().attempts == 2);
        w.clock.set(start + 30 + 59);
        REQUIRE(*mailer.deliver_due() == 0);
        CHECK(w.only_record().attempts == 2);
        w.clock.set(start + 30 + 60);
        REQUIRE(*mailer.deliver_due() == 0);
        r = w.only_record();
        CHECK(r.attempts == 3);
        CHECK(r.state == "failed");
        CHECK(w.audit_text().find("\"action\":\"mail.failed\"") != std::string::npos);
        w.clock.advance(100000);
        REQUIRE(*mailer.deliver_due() == 0);
        CHECK(w.only_record().attempts == 3);
    }
}

TEST_CASE("a relay's permanent refusal fails the message at once, without echoing the address", "[mailer]") {
    World w;
    CaptureServer smtp(w.dir.path / "mail", {"--reject-rcpt", "gone@"});
    Mailer mailer(*w.store, *w.notifier, *w.audit, w.clock, config_for(smtp.port));
    w.queue("gone@example.org");
    REQUIRE(*mailer.deliver_due() == 0);
    const auto r = w.only_record();
    CHECK(r.state == "failed");
    CHECK(r.attempts == 1);
    CHECK(r.last_error.find("550") != std::string::npos);
    CHECK(r.last_error.find("gone@") == std::string::npos);
    CHECK(smtp.messages().empty());
}

TEST_CASE("with STARTTLS the mailer sends only over TLS to a relay its CA file vouches for", "[mailer]") {
    World w;
    const fs::path cert = w.dir.path / "relay.pem";
    const fs::path key = w.dir.path / "relay.key";
    make_certificate(cert, key);
    CaptureServer smtp(w.dir.path / "mail", {"--tls-cert", cert.string(), "--tls-key", key.string()});
    MailerConfig c = config_for(smtp.port);
    c.host = "localhost";
    c.starttls = true;

    SECTION("a trusted relay gets the message over TLS") {
        c.ca_file = cert.string();
        Mailer mailer(*w.store, *w.notifier, *w.audit, w.clock, std::move(c));
        w.queue("maria@example.org");
        const auto sent = mailer.deliver_due();
        INFO("last error: " << w.only_record().last_error);
        REQUIRE(*sent == 1);
        const auto mails = smtp.messages();
        REQUIRE(mails.size() == 1);
        CHECK(mails.front().find("X-Capture-TLS: yes") != std::string::npos);
    }
    SECTION("a relay with a certificate nobody vouches for gets nothing") {
        const fs::path other = w.dir.path / "other.pem";
        make_certificate(other, w.dir.path / "other.key");
        c.ca_file = other.string();
        Mailer mailer(*w.store, *w.notifier, *w.audit, w.clock, std::move(c));
        w.queue("maria@example.org");
        REQUIRE(*mailer.deliver_due() == 0);
        CHECK(smtp.messages().empty());
        const auto r = w.only_record();
        CHECK(r.state == "pending");
        CHECK(r.last_error.find("TLS") != std::string::npos);
    }
}

TEST_CASE("the back-off starts at 30 seconds, doubles, and stops growing at an hour", "[mailer]") {
    CHECK(Mailer::backoff_seconds(0) == 0);
    CHECK(Mailer::backoff_seconds(1) == 30);
    CHECK(Mailer::backoff_seconds(2) == 60);
    CHECK(Mailer::backoff_seconds(3) == 120);
    CHECK(Mailer::backoff_seconds(7) == 1920);
    CHECK(Mailer::backoff_seconds(8) == 3600);
    CHECK(Mailer::backoff_seconds(60) == 3600);
}

TEST_CASE("the mailer's thread delivers queued mail without being asked, and stops when told", "[mailer]") {
    World w;
    CaptureServer smtp(w.dir.path / "mail");
    MailerConfig c = config_for(smtp.port);
    c.poll_seconds = 1;
    Mailer mailer(*w.store, *w.notifier, *w.audit, w.clock, std::move(c));
    mailer.start();
    w.queue("maria@example.org");
    // Polls for the outcome rather than timing anything: the bound is generous and only stops a hang.
    for (int i = 0; i < 300 && smtp.messages().empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    mailer.stop();
    CHECK(smtp.messages().size() == 1);
    CHECK(w.only_record().state == "sent");
}
