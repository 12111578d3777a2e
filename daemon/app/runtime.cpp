#include "app/runtime.h"

#include "common/file.h"
#include "crypto/random.h"
#include "crypto/secret_prompt.h"
#include "crypto/sha256.h"

#include <Poco/Logger.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace kinvault::app {

namespace {

// Seals `secret` through the barrier and stores it under `name` (inside the caller's transaction).
Status put_secret(storage::Store& store, const barrier::Barrier& barrier, const std::string& name,
                  const crypto::Secret& secret) {
    return store.put_sealed_secret(name, barrier.seal_secret(name, secret));
}

Result<crypto::Secret> open_secret(const barrier::Barrier& barrier, storage::Store& store,
                                   const std::string& name) {
    auto sealed = KV_TRY_VALUE(store.sealed_secret(name));
    if (!sealed.has_value()) {
        return make_error(Errc::integrity, "the vault is missing its " + name + " secret");
    }
    return barrier.open_secret(name, *sealed);
}

Result<std::string> required_setting(storage::Store& store, const std::string& key) {
    auto v = KV_TRY_VALUE(store.setting(key));
    if (!v.has_value()) {
        return make_error(Errc::integrity, "the vault is missing its " + key + " setting");
    }
    return std::move(*v);
}

// Templates ship in the source tree's templates/; an installed kinvaultd looks in
// ../share/kinvault/templates.
std::string default_templates_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (const auto& candidate :
             {exe.parent_path() / "../../templates", exe.parent_path() / "../share/kinvault/templates"}) {
            if (std::filesystem::is_directory(candidate, ec)) {
                return std::filesystem::weakly_canonical(candidate, ec).string();
            }
        }
    }
    return "templates";
}

// The browser pages: daemon/web in the source tree, or ../share/kinvault/web when installed.
std::string default_web_root() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (const auto& candidate :
             {exe.parent_path() / "../../daemon/web", exe.parent_path() / "../share/kinvault/web"}) {
            if (std::filesystem::is_directory(candidate, ec)) {
                return std::filesystem::weakly_canonical(candidate, ec).string();
            }
        }
    }
    return "";
}

std::string local_hostname() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) {
        return {};
    }
    return buf;
}

} // namespace

Result<crypto::KeyringRecord> read_keyring(const Paths& paths) {
    // A keyring file is a few hundred bytes; anything near the limit is not one.
    constexpr std::size_t k_keyring_limit = 64 * 1024;
    auto text = read_text_file(paths.keyring(), k_keyring_limit);
    if (!text) {
        if (text.error().code != Errc::not_found) {
            return std::move(text).error();
        }
        return make_error(Errc::invalid_input, "no vault at " + paths.data + " (run `kinvaultd init --data " +
                                                   paths.data + " --admin-email EMAIL` first)");
    }
    return crypto::KeyringRecord::parse(*text);
}

namespace {

bool directory_is_empty(const std::string& dir) {
    std::error_code ec;
    return std::filesystem::is_empty(dir, ec) && !ec;
}

Status initialise_in(const Paths& paths, const InitOptions& options, const crypto::Secret& unseal,
                     const crypto::Secret& admin_password, const Clock& clock);

} // namespace

Status initialise_vault(const Paths& paths, const InitOptions& options, const crypto::Secret& unseal,
                        const crypto::Secret& admin_password, const Clock& clock) {
    struct stat st {};
    if (::stat(paths.keyring().c_str(), &st) == 0) {
        return make_error(Errc::conflict,
                          "a vault already exists at " + paths.data + "; it was left untouched");
    }
    const bool existed = ::stat(paths.data.c_str(), &st) == 0;
    if (existed && !directory_is_empty(paths.data)) {
        return make_error(Errc::conflict, paths.data + " is not empty; choose a new directory for the vault");
    }
    if (!existed && ::mkdir(paths.data.c_str(), 0700) != 0) {
        return make_error(Errc::invalid_input, "cannot create " + paths.data + ": " + std::strerror(errno));
    }
    ::chmod(paths.data.c_str(), 0700);
    Status result = initialise_in(paths, options, unseal, admin_password, clock);
    if (!result) {
        // Leave nothing half-made behind: a later init must start from a clean directory.
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(paths.data, ec)) {
            std::filesystem::remove_all(entry.path(), ec);
        }
        if (!existed) {
            std::filesystem::remove(paths.data, ec);
        }
    }
    return result;
}

namespace {

Status initialise_in(const Paths& paths, const InitOptions& options, const crypto::Secret& unseal,
                     const crypto::Secret& admin_password, const Clock& clock) {
    KV_TRY(services::Accounts::check_email(services::Accounts::normalise_email(options.admin_email)));

    const auto method =
        options.key_file.empty() ? crypto::UnsealMethod::passphrase : crypto::UnsealMethod::key_file;
    auto [ring, record] = KV_TRY_VALUE(crypto::Keyring::create(method, unseal));
    const barrier::Barrier barrier(ring);

    auto store = KV_TRY_VALUE(storage::open_sqlite_store({paths.database(), 2, 10}));
    storage::BlobStore blobs(paths.blobs());
    KV_TRY(blobs.init());

    const UnixTime now = clock.now();
    const std::string practice_id = crypto::random_id("prc");
    const auto root = KV_TRY_VALUE(crypto::create_root_ca(options.practice_name, now, 20));
    std::vector<std::string> names{"localhost"};
    const std::string host = local_hostname();
    if (!host.empty() && host != "localhost") {
        names.push_back(host);
    }
    names.insert(names.end(), options.tls_names.begin(), options.tls_names.end());
    const auto tls = KV_TRY_VALUE(crypto::issue_tls_certificate(root, names, {"127.0.0.1"}, now, 825));
    const crypto::Secret audit_seed = crypto::Secret::random(32);
    const std::string origin = "kinvault.local/" + practice_id + "/audit";

    KV_TRY(store->transaction([&]() -> Status {
        KV_TRY(store->put_setting("practice.id", practice_id));
        KV_TRY(store->put_setting("practice.name", options.practice_name));
        KV_TRY(store->put_setting("ca.cert", root.certificate_pem));
        KV_TRY(store->put_setting("tls.cert", tls.certificate_pem));
        KV_TRY(store->put_setting("audit.origin", origin));
        KV_TRY(put_secret(*store, barrier, "ca.key", root.private_key_pem));
        KV_TRY(put_secret(*store, barrier, "tls.key", tls.private_key_pem));
        KV_TRY(put_secret(*store, barrier, "audit.seed", audit_seed));
        return {};
    }));

    services::AuditLog audit(*store, clock, crypto::CheckpointSigner::from_seed(audit_seed, origin), origin);
    KV_TRY(audit.load());
    const services::RequestInfo local{"local", "kinvaultd init"};
    KV_TRY(audit.append({.actor = "system",
                         .action = services::audit_action::vault_init,
                         .object = practice_id,
                         .decision = "ok",
                         .reason = "vault created"},
                        local));
    services::Accounts accounts(*store, barrier, audit, clock, {}, {});
    KV_TRY(accounts.create_clinician(options.admin_email, options.admin_name, admin_password, local));

    // The keyring is written last: its presence marks a complete vault.
    KV_TRY(storage::write_file_durably(paths.root_ca(), root.certificate_pem, 0644));
    std::string props = "# Written by kinvaultd init. Settings here apply to this vault; see README.md.\n";
    if (!options.key_file.empty()) {
        props += "vault.key_file = " + options.key_file + "\n";
    }
    KV_TRY(storage::write_file_durably(paths.properties(), props, 0600));
    KV_TRY(storage::write_file_durably(paths.keyring(), record.serialize(), 0600));
    return {};
}

} // namespace

Runtime::Runtime(const Settings& settings, const Clock& clock) : m_settings(settings), m_clock(clock) {
    m_paths.data = settings.get("data.dir");
}

Runtime::~Runtime() {
    stop_background();
}

void Runtime::start_background() {
    if (m_mailer) {
        m_mailer->start();
    }
    const auto every = std::chrono::seconds(m_settings.get_int("envelope.sweep_seconds", 60));
    m_sweeper = std::thread([this, every] {
        std::unique_lock<std::mutex> lock(m_sweep_mutex);
        while (!m_stopping) {
            m_sweep_cv.wait_for(lock, every, [this] { return m_stopping; });
            if (m_stopping) {
                break;
            }
            lock.unlock();
            auto expired = m_signing->expire_due({"local", "kinvaultd sweep"});
            if (!expired) {
                Poco::Logger::get("kinvault")
                    .warning("envelope expiry sweep failed: %s", expired.error().message);
            }
            lock.lock();
        }
    });
}

void Runtime::stop_background() {
    {
        std::lock_guard<std::mutex> lock(m_sweep_mutex);
        m_stopping = true;
    }
    m_sweep_cv.notify_all();
    if (m_sweeper.joinable()) {
        m_sweeper.join();
    }
    if (m_mailer) {
        m_mailer->stop();
    }
}

void Runtime::set_public_url(const std::string& url) {
    m_api->set_public_url(url);
    m_notifier->set_public_url(url);
}

Status Runtime::open(const crypto::Secret& unseal) {
    const auto record = KV_TRY_VALUE(read_keyring(m_paths));
    m_keyring = std::make_unique<crypto::Keyring>(KV_TRY_VALUE(crypto::Keyring::unseal(record, unseal)));
    m_barrier = std::make_unique<barrier::Barrier>(*m_keyring);

    m_store = KV_TRY_VALUE(storage::open_sqlite_store(
        {m_paths.database(), static_cast<int>(m_settings.get_int("db.read_connections", 4)), 10}));
    m_blobs = std::make_unique<storage::BlobStore>(m_paths.blobs());
    KV_TRY(m_blobs->init());

    const auto origin = KV_TRY_VALUE(required_setting(*m_store, "audit.origin"));
    const auto seed = KV_TRY_VALUE(open_secret(*m_barrier, *m_store, "audit.seed"));
    m_audit = std::make_unique<services::AuditLog>(*m_store, m_clock,
                                                   crypto::CheckpointSigner::from_seed(seed, origin), origin);
    KV_TRY(m_audit->load());
    // Failure injection for the fail-closed tests: the audit log refuses every append.
    m_audit->inject_failure(m_settings.get("testing.fail_audit") == "1");

    m_root_pem = KV_TRY_VALUE(required_setting(*m_store, "ca.cert"));
    auto tls_cert = KV_TRY_VALUE(required_setting(*m_store, "tls.cert"));
    m_tls =
        crypto::CertifiedKey{KV_TRY_VALUE(open_secret(*m_barrier, *m_store, "tls.key")), std::move(tls_cert)};

    pdf::GatewayConfig gw;
    gw.worker_path = m_settings.get("pdf.worker", pdf::default_worker_path());
    gw.cpu_seconds = static_cast<unsigned>(m_settings.get_int("pdf.cpu_seconds", 10));
    gw.address_space_bytes = static_cast<std::uint64_t>(m_settings.get_int("pdf.memory_mb", 1024)) << 20;
    gw.wall_clock_timeout = std::chrono::seconds(m_settings.get_int("pdf.timeout_seconds", 20));
    gw.max_concurrency = static_cast<int>(m_settings.get_int("pdf.concurrency", 2));
    m_pdf = std::make_unique<pdf::PdfGateway>(gw);

    m_limits.max_upload_bytes =
        static_cast<std::uint64_t>(m_settings.get_int("upload.max_bytes", 50ll << 20));
    services::SessionPolicy sessions;
    sessions.idle_seconds = m_settings.get_int("session.idle_seconds", sessions.idle_seconds);
    sessions.absolute_seconds = m_settings.get_int("session.absolute_seconds", sessions.absolute_seconds);
    services::LoginPolicy logins;
    logins.account_cap_per_hour = static_cast<int>(m_settings.get_int("login.account_cap_per_hour", 20));
    logins.address_cap_per_hour = static_cast<int>(m_settings.get_int("login.address_cap_per_hour", 100));

    m_gate = std::make_unique<services::ReleaseGate>(*m_store, *m_barrier, m_clock);
    m_accounts =
        std::make_unique<services::Accounts>(*m_store, *m_barrier, *m_audit, m_clock, sessions, logins);
    m_notifier = std::make_unique<services::Notifier>(*m_store, *m_barrier, m_clock);
    if (auto practice = m_store->setting("practice.name"); practice && practice->has_value()) {
        m_notifier->set_practice_name(**practice);
    }
    m_cases = std::make_unique<services::Cases>(*m_store, *m_barrier, *m_audit, *m_accounts, *m_gate,
                                                *m_notifier, m_clock);
    m_vault = std::make_unique<services::Vault>(*m_store, *m_blobs, *m_barrier, *m_audit, *m_gate, *m_pdf,
                                                m_clock, m_limits);
    m_orphans = KV_TRY_VALUE(m_vault->remove_orphans());

    // The practice keys for e-signing: the root CA issues signer certificates; the practice seal (made on
    // first start if this vault predates it) seals executed documents and certificates of completion.
    services::PracticeKeys keys;
    keys.root = crypto::CertifiedKey{KV_TRY_VALUE(open_secret(*m_barrier, *m_store, "ca.key")), m_root_pem};
    auto practice = required_setting(*m_store, "practice.name");
    keys.practice_name = practice ? *practice : std::string("Kinvault Practice");
    auto seal_cert = KV_TRY_VALUE(m_store->setting("seal.cert"));
    if (!seal_cert.has_value()) {
        auto pair = KV_TRY_VALUE(crypto::generate_p256_key());
        auto cert = KV_TRY_VALUE(crypto::issue_signer_certificate(
            keys.root, pair.public_key_pem, {keys.practice_name + " document seal", "", keys.practice_name},
            m_clock.now(), 3650));
        KV_TRY(m_store->transaction([&]() -> Status {
            KV_TRY(put_secret(*m_store, *m_barrier, "seal.key", pair.private_key_pem));
            return m_store->put_setting("seal.cert", cert);
        }));
        keys.seal = crypto::CertifiedKey{std::move(pair.private_key_pem), std::move(cert)};
    } else {
        keys.seal = crypto::CertifiedKey{KV_TRY_VALUE(open_secret(*m_barrier, *m_store, "seal.key")),
                                         std::move(*seal_cert)};
    }
    m_signing = std::make_unique<services::Signing>(*m_store, *m_barrier, *m_audit, *m_accounts, *m_gate,
                                                    *m_vault, *m_notifier, *m_pdf, m_clock, std::move(keys),
                                                    m_settings.get("templates.dir", default_templates_dir()));
    m_consent = std::make_unique<services::ConsentServices>(*m_store, *m_audit, *m_gate, m_clock);
    // A revocation takes effect at once; the case's clinician hears of it by e-mail (only a link, no names).
    m_consent->on_revocation([this](const std::string& case_id, const std::string& roi_id) -> Status {
        auto c = m_store->case_by_id(case_id);
        if (!c || !c->has_value()) {
            return {};
        }
        auto user = m_accounts->user((*c)->created_by);
        if (!user) {
            return {};
        }
        auto email = m_accounts->user_email(*user);
        if (!email) {
            return {};
        }
        return m_notifier->queue(
            "revocation", case_id,
            services::Mail{*email, "A release of information was revoked",
                           "A release of information (" + roi_id +
                               ") in one of your cases was revoked and no longer allows any "
                               "release. Review the case's readiness in Kinvault:\n\n" +
                               m_notifier->link("/clinician?case=" + case_id) + "\n"});
    });
    m_consent->listen_to(*m_signing);

    if (!m_settings.get("mail.host").empty()) {
        services::MailerConfig mail;
        mail.host = m_settings.get("mail.host");
        mail.port = static_cast<std::uint16_t>(m_settings.get_int("mail.port", 25));
        mail.from = m_settings.get("mail.from", "Kinvault <no-reply@localhost>");
        mail.starttls = m_settings.get("mail.starttls") == "true" || m_settings.get("mail.starttls") == "1";
        mail.ca_file = m_settings.get("mail.ca_file");
        mail.username = m_settings.get("mail.username");
        mail.password = crypto::secret_from_env("KINVAULT_MAIL_PASSWORD");
        mail.poll_seconds = static_cast<int>(m_settings.get_int("mail.poll_seconds", 5));
        mail.max_attempts = static_cast<int>(m_settings.get_int("mail.max_attempts", 8));
        m_mailer =
            std::make_unique<services::Mailer>(*m_store, *m_notifier, *m_audit, m_clock, std::move(mail));
    }

    http::ApiOptions api_options;
    api_options.public_url = m_settings.get("server.public_url");
    api_options.web_root = m_settings.get("web.root", default_web_root());
    m_api = std::make_unique<http::Api>(
        http::ServiceSet{*m_accounts, *m_cases, *m_vault, *m_audit, *m_signing, m_consent->rois,
                         m_consent->roi_lifecycle, m_consent->orders, m_consent->letters,
                         m_consent->case_facts, m_consent->reports},
        api_options);
    return {};
}

} // namespace kinvault::app
