#include "app/daemon.h"

#include "app/runtime.h"
#include "common/file.h"
#include "crypto/ca.h"
#include "crypto/keyring.h"
#include "crypto/secret_prompt.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Crypto/X509Certificate.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/PatternFormatter.h>
#include <Poco/ThreadPool.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <iostream>
#include <sstream>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace kinvault::app {

namespace {

// sysexits.h values: scripts can tell a usage error from a configuration or runtime failure.
constexpr int k_exit_usage = 64;
constexpr int k_exit_config = 78;
constexpr int k_exit_software = 70;

// Log lines to stderr, each in a single write(2). Poco's ConsoleChannel writes the text and the newline
// separately, so lines of concurrent requests could interleave, and each line cost two system calls on the
// request's thread.
class StderrChannel final : public Poco::Channel {
public:
    void log(const Poco::Message& msg) override {
        std::string line = msg.getText();
        line.push_back('\n');
        const char* p = line.data();
        std::size_t left = line.size();
        while (left > 0) {
            const ssize_t n = ::write(STDERR_FILENO, p, left);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                return; // nowhere to report a failing log
            }
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    }
};

void harden_process() {
    // Key material lives in this process's memory: no core dumps, no ptrace by other processes of the user.
    const rlimit no_core{0, 0};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    std::signal(SIGPIPE, SIG_IGN);
    // Everything the daemon creates (database, blobs, keyring) is private to its user.
    ::umask(077);
}

Result<crypto::Secret> unseal_secret(const Settings& settings, const crypto::KeyringRecord& record) {
    if (record.method == crypto::UnsealMethod::key_file) {
        const std::string path = settings.get("vault.key_file");
        if (path.empty()) {
            return make_error(Errc::invalid_input,
                              "this vault opens with a key file: pass --key-file PATH or set vault.key_file");
        }
        return crypto::read_key_file(path);
    }
    crypto::Secret pass = crypto::secret_from_env("KINVAULT_VAULT_PASSPHRASE");
    if (!pass.empty()) {
        return pass;
    }
    return crypto::prompt_secret("Vault passphrase: ");
}

Poco::Net::Context::Ptr make_tls_context(const Settings& settings, const Runtime& runtime) {
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    // TLS 1.2 AEAD suites with forward secrecy only; TLS 1.3 suites are all AEAD.
    params.cipherList =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";
    const std::string cert_file = settings.get("tls.cert_file");
    const std::string key_file = settings.get("tls.key_file");
    if (!cert_file.empty() || !key_file.empty()) {
        params.certificateFile = cert_file;
        params.privateKeyFile = key_file;
    }
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    ctx->enableSessionCache(true, "kinvaultd");
    if (cert_file.empty()) {
        std::istringstream cert_stream(runtime.tls().certificate_pem);
        ctx->useCertificate(Poco::Crypto::X509Certificate(cert_stream));
        // The key goes from secure memory straight into OpenSSL, never through a std::string or a file.
        const crypto::Secret& key = runtime.tls().private_key_pem;
        BIO* bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
        EVP_PKEY* pkey = bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
        if (bio != nullptr) {
            BIO_free(bio);
        }
        if (pkey == nullptr || SSL_CTX_use_PrivateKey(ctx->sslContext(), pkey) != 1 ||
            SSL_CTX_check_private_key(ctx->sslContext()) != 1) {
            if (pkey != nullptr) {
                EVP_PKEY_free(pkey);
            }
            throw Poco::Exception("the vault's TLS key does not load");
        }
        EVP_PKEY_free(pkey);
    }
    return ctx;
}

} // namespace

void KinvaultDaemon::initialize(Poco::Util::Application& self) {
    Poco::AutoPtr<Poco::PatternFormatter> fmt(new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%SZ %p %s: %t"));
    fmt->setProperty("times", "UTC");
    Poco::AutoPtr<Poco::FormattingChannel> channel(new Poco::FormattingChannel(fmt, new StderrChannel()));
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::root().setLevel(Poco::Message::PRIO_INFORMATION);
    ServerApplication::initialize(self);
}

void KinvaultDaemon::defineOptions(Poco::Util::OptionSet& options) {
    ServerApplication::defineOptions(options);
    auto opt = [&](const char* name, const char* help, const char* arg) {
        Poco::Util::Option o(name, "", help);
        o.required(false).repeatable(false);
        if (arg != nullptr) {
            o.argument(arg, true);
        }
        options.addOption(o);
    };
    opt("help", "show this help", nullptr);
    opt("version", "print the version", nullptr);
    opt("data", "the vault's data directory (data.dir)", "DIR");
    opt("config", "a configuration file (properties format)", "FILE");
    opt("port", "HTTPS port; 0 picks a free one (server.port, default 8443)", "N");
    opt("host", "address to listen on (server.host, default 127.0.0.1)", "ADDR");
    opt("key-file", "unseal with this key file instead of a passphrase (vault.key_file)", "PATH");
    opt("admin-email", "init: the first clinician's e-mail address", "EMAIL");
    opt("admin-name", "init: the first clinician's name", "NAME");
    opt("practice-name", "init: the practice's name (appears in certificates)", "NAME");
    opt("tls-name", "init: an extra DNS name for the TLS certificate", "NAME");
}

void KinvaultDaemon::handleOption(const std::string& name, const std::string& value) {
    ServerApplication::handleOption(name, value);
    if (name == "help") {
        m_help = true;
        stopOptionsProcessing();
    } else if (name == "version") {
        m_version = true;
    } else if (name == "data") {
        m_settings.set_cli("data.dir", value);
    } else if (name == "config") {
        m_settings.set_cli("config", value);
    } else if (name == "port") {
        m_settings.set_cli("server.port", value);
    } else if (name == "host") {
        m_settings.set_cli("server.host", value);
    } else if (name == "key-file") {
        m_settings.set_cli("vault.key_file", value);
    } else if (name == "admin-email") {
        m_settings.set_cli("init.admin_email", value);
    } else if (name == "admin-name") {
        m_settings.set_cli("init.admin_name", value);
    } else if (name == "practice-name") {
        m_settings.set_cli("init.practice_name", value);
    } else if (name == "tls-name") {
        m_settings.set_cli("init.tls_name", value);
    }
}

void KinvaultDaemon::print_help() const {
    std::cout
        << "kinvaultd - the Kinvault vault server\n\n"
           "Usage:\n"
           "  kinvaultd init --data DIR --admin-email EMAIL [--key-file PATH] [--practice-name NAME]\n"
           "  kinvaultd --data DIR [--port N] [--host ADDR] [--key-file PATH] [--config FILE]\n\n"
           "Passwords never go on the command line: the first clinician's password comes from\n"
           "KINVAULT_PASSWORD or a prompt; a vault passphrase from KINVAULT_VAULT_PASSPHRASE or a prompt.\n"
           "Every setting can also come from the environment (KINVAULT_SERVER_PORT, ...) or the\n"
           "configuration file; see README.md.\n";
}

int KinvaultDaemon::main(const std::vector<std::string>& args) {
    if (m_help) {
        print_help();
        return EXIT_OK;
    }
    if (m_version) {
        std::cout << "kinvaultd 0.1.0\n";
        return EXIT_OK;
    }
    harden_process();
    try {
        if (!args.empty() && args[0] == "init") {
            return run_init();
        }
        if (!args.empty()) {
            std::cerr << "kinvaultd: unknown command '" << args[0] << "' (try --help)\n";
            return k_exit_usage;
        }
        return run_server();
    } catch (const std::invalid_argument& e) {
        std::cerr << "kinvaultd: " << e.what() << "\n";
        return k_exit_config;
    }
}

int KinvaultDaemon::run_init() {
    Paths paths{m_settings.get("data.dir")};
    if (paths.data.empty()) {
        std::cerr << "kinvaultd init: --data DIR is required\n";
        return k_exit_usage;
    }
    InitOptions options;
    options.admin_email = m_settings.get("init.admin_email");
    options.admin_name = m_settings.get("init.admin_name", "Clinician");
    options.practice_name = m_settings.get("init.practice_name", "Kinvault Practice");
    options.key_file = m_settings.get("vault.key_file");
    if (!m_settings.get("init.tls_name").empty()) {
        options.tls_names.push_back(m_settings.get("init.tls_name"));
    }
    if (options.admin_email.empty()) {
        std::cerr << "kinvaultd init: --admin-email EMAIL is required\n";
        return k_exit_usage;
    }
    crypto::Secret unseal;
    if (!options.key_file.empty()) {
        if (::access(options.key_file.c_str(), F_OK) != 0) {
            Status st = crypto::create_key_file(options.key_file);
            if (!st) {
                std::cerr << "kinvaultd init: " << st.error().message << "\n";
                return k_exit_config;
            }
            std::cout << "Created the unseal key file " << options.key_file
                      << " (mode 0600). Back it up: without "
                         "it the vault cannot be opened.\n";
        }
        auto key = crypto::read_key_file(options.key_file);
        if (!key) {
            std::cerr << "kinvaultd init: " << key.error().message << "\n";
            return k_exit_config;
        }
        unseal = std::move(key).value();
    } else {
        unseal = crypto::secret_from_env("KINVAULT_VAULT_PASSPHRASE");
        if (unseal.empty()) {
            auto p1 = crypto::prompt_secret("New vault passphrase (12+ characters): ");
            auto p2 = p1 ? crypto::prompt_secret("Repeat the vault passphrase: ") : decltype(p1)(p1.error());
            if (!p1 || !p2 || !p1->equals(*p2)) {
                std::cerr
                    << "kinvaultd init: no matching passphrase given (set KINVAULT_VAULT_PASSPHRASE or use "
                       "--key-file)\n";
                return k_exit_usage;
            }
            unseal = std::move(p1).value();
        }
    }
    crypto::Secret password = crypto::secret_from_env("KINVAULT_PASSWORD");
    if (password.empty()) {
        auto p1 = crypto::prompt_secret("Password for " + options.admin_email + " (10+ characters): ");
        auto p2 = p1 ? crypto::prompt_secret("Repeat the password: ") : decltype(p1)(p1.error());
        if (!p1 || !p2 || !p1->equals(*p2)) {
            std::cerr << "kinvaultd init: no matching password given (set KINVAULT_PASSWORD or run in a "
                         "terminal)\n";
            return k_exit_usage;
        }
        password = std::move(p1).value();
    }
    SystemClock clock;
    Status st = initialise_vault(paths, options, unseal, password, clock);
    if (!st) {
        std::cerr << "kinvaultd init: " << st.error().message << "\n";
        return st.error().code == Errc::conflict ? k_exit_config : k_exit_software;
    }
    constexpr std::size_t k_max_pem = std::size_t{1024} * 1024;
    const auto root_pem = read_text_file(paths.root_ca(), k_max_pem);
    auto fp = root_pem ? crypto::certificate_fingerprint(*root_pem) : Result<std::string>(root_pem.error());
    std::cout << "Vault created in " << paths.data << "\n"
              << "Practice root CA: " << paths.root_ca() << "\n"
              << "Root CA SHA-256 fingerprint: " << (fp ? *fp : std::string("?")) << "\n"
              << "First clinician: " << options.admin_email << "\n";
    return EXIT_OK;
}

int KinvaultDaemon::run_server() {
    if (m_settings.get("data.dir").empty()) {
        std::cerr << "kinvaultd: --data DIR is required (or run `kinvaultd init` first)\n";
        return k_exit_usage;
    }
    std::string error;
    const std::string config_file =
        m_settings.get("config", m_settings.get("data.dir") + "/kinvault.properties");
    if (::access(config_file.c_str(), R_OK) == 0 && !m_settings.load_file(config_file, error)) {
        std::cerr << "kinvaultd: cannot read " << config_file << ": " << error << "\n";
        return k_exit_config;
    }
    Paths paths{m_settings.get("data.dir")};
    auto record = read_keyring(paths);
    if (!record) {
        std::cerr << "kinvaultd: " << record.error().message << "\n";
        return k_exit_config;
    }
    auto unseal = unseal_secret(m_settings, *record);
    if (!unseal) {
        std::cerr << "kinvaultd: " << unseal.error().message << "\n";
        return k_exit_config;
    }
    const OffsetClock clock(m_settings.get_int("testing.clock_offset_seconds", 0));
    if (m_settings.get_int("testing.clock_offset_seconds", 0) != 0) {
        Poco::Logger::get("kinvault")
            .warning("testing.clock_offset_seconds is set: this daemon's clock is shifted");
    }
    Runtime runtime(m_settings, clock);
    Status opened = runtime.open(*unseal);
    if (!opened) {
        std::cerr << "kinvaultd: cannot open the vault: " << opened.error().message << "\n";
        return opened.error().code == Errc::unauthenticated ? k_exit_config : k_exit_software;
    }
    Poco::Logger& log = Poco::Logger::get("kinvault");
    if (runtime.orphans_removed() > 0) {
        log.information("removed %z unfinished upload file(s) left by an interrupted run",
                        runtime.orphans_removed());
    }

    Poco::Net::initializeSSL();
    const std::string host = m_settings.get("server.host", "127.0.0.1");
    const auto port = static_cast<Poco::UInt16>(m_settings.get_int("server.port", 8443));
    int exit_code = EXIT_OK;
    try {
        Poco::Net::Context::Ptr ctx = make_tls_context(m_settings, runtime);
        Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress(host, port), 128, ctx);
        const Poco::UInt16 bound = socket.address().port();
        const std::string url_host = host == "0.0.0.0" || host == "::" ? std::string("localhost") : host;
        const std::string public_url =
            m_settings.get("server.public_url",
                           "https://" + (url_host == "127.0.0.1" ? std::string("localhost") : url_host) +
                               ":" + std::to_string(bound));
        runtime.set_public_url(public_url);

        Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams();
        params->setMaxThreads(static_cast<int>(m_settings.get_int("server.threads", 16)));
        params->setThreadIdleTime(Poco::Timespan(10, 0));
        params->setMaxQueued(static_cast<int>(m_settings.get_int("server.queue", 64)));
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(Poco::Timespan(5, 0));
        params->setTimeout(Poco::Timespan(m_settings.get_int("server.timeout_seconds", 60), 0));
        params->setServerName("kinvaultd");
        // The server gets its own thread pool, ended when this scope ends (after the server itself), so no
        // request thread outlives the runtime or the crypto libraries it uses.
        const int threads = static_cast<int>(m_settings.get_int("server.threads", 16));
        Poco::ThreadPool pool(2, threads + 2, 60);
        Poco::Net::HTTPServer server(
            http::make_handler_factory(runtime.api(), runtime.limits().max_upload_bytes), pool, socket,
            params);
        server.start();
        runtime.start_background();
        (void)runtime.audit().append({.actor = "system",
                                      .action = services::audit_action::daemon_start,
                                      .decision = "ok",
                                      .reason = "listening"},
                                     {"local", "kinvaultd"});

        auto fp = crypto::certificate_fingerprint(runtime.root_ca_pem());
        std::cout << "kinvaultd listening on https://"
                  << (host.find(':') != std::string::npos ? "[" + host + "]" : host) << ":" << bound << "\n"
                  << "  public URL:        " << public_url << "\n"
                  << "  practice root CA:  " << paths.root_ca() << "\n"
                  << "  root fingerprint:  " << (fp ? *fp : std::string("?")) << "\n"
                  << "  sign in with:      kinvault --server " << public_url << " --ca " << paths.root_ca()
                  << " login EMAIL\n"
                  << std::flush;

        waitForTerminationRequest();
        log.information("stopping: no new connections, finishing requests in flight");
        runtime.stop_background();
        server.stopAll(false);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (server.currentConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (server.currentConnections() > 0) {
            log.warning("%d connection(s) still open after 30 s; closing them", server.currentConnections());
            server.stopAll(true);
        }
        (void)runtime.audit().append({.actor = "system",
                                      .action = services::audit_action::daemon_stop,
                                      .decision = "ok",
                                      .reason = "clean shutdown"},
                                     {"local", "kinvaultd"});
        log.information("stopped");
    } catch (const Poco::Exception& e) {
        std::cerr << "kinvaultd: cannot serve: " << e.displayText() << "\n";
        exit_code = k_exit_software;
    }
    Poco::Net::uninitializeSSL();
    return exit_code;
}

} // namespace kinvault::app
