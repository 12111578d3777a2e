// Listing benchmark (issue 3): the documents an attorney may see in one case, decided by the release engine
// at the one decision point, on a vault seeded with `cases` families (documents and ROIs per case as asked),
// then again with ten times the data. Measures, over random cases, as the father's attorney of each:
//   gate     ReleaseGate::case_access (facts assembled from storage) + documents_of_case + decide() per
//   document service  Vault::list, what GET /api/v1/cases/{case}/documents runs (views, sealed titles, audit
//   entry) https    GET /api/v1/cases/{case}/documents against kinvaultd over TLS on one kept-alive
//   connection
// Not a test: it prints p50 / p99 / max per measure and scale, and the p99 growth from 1x to 10x.
#include "app/runtime.h"
#include "barrier/barrier.h"
#include "common/clock.h"
#include "crypto/keyring.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "pdf/gateway.h"
#include "services/audit.h"
#include "services/consent/records.h"
#include "services/documents/vault.h"
#include "services/release_gate.h"
#include "storage/blob_store.h"
#include "storage/store.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace kinvault;
using Clock = std::chrono::steady_clock;

struct Options {
    int cases{2000};
    int docs_per_case{25};
    int rois_per_case{5};
    int samples{2000};
    int https_samples{1000};
    int scale{10};
    bool https{true};
    std::string kinvaultd;
    std::string work;
};

template <typename T>
T must(Result<T> r, const char* what) {
    if (!r) {
        throw std::runtime_error(std::string(what) + ": " + r.error().message);
    }
    return std::move(r).value();
}

void must(const Status& s, const char* what) {
    if (!s) {
        throw std::runtime_error(std::string(what) + ": " + s.error().message);
    }
}

UnixTime day(const char* d) {
    UnixTime t = 0;
    if (!parse_utc(d, t)) {
        throw std::invalid_argument(d);
    }
    return t;
}

struct Percentiles {
    double p50{0};
    double p99{0};
    double max{0};
};

Percentiles percentiles(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    const auto at = [&ms](double q) {
        const auto i = static_cast<std::size_t>(std::lround(q * static_cast<double>(ms.size() - 1)));
        return ms[std::min(i, ms.size() - 1)];
    };
    return {at(0.50), at(0.99), ms.back()};
}

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One seeded family: what a listing needs to know about it.
struct SeededCase {
    std::string id;
    std::string attorney_user; // the father's attorney
    std::string token;         // a session for the HTTPS measure (empty when not sampled)
};

class Seeder {
public:
    Seeder(storage::Store& store, const crypto::Keyring& keyring, const barrier::Barrier& barrier,
           std::string clinician_user, const Options& o)
        : m_store(store), m_keyring(keyring), m_barrier(barrier), m_records(store, barrier),
          m_clinician(std::move(clinician_user)), m_o(o) {}

    SeededCase family(int n) {
        SeededCase out;
        storage::CaseRecord c;
        c.id = crypto::random_id("case");
        m_barrier.seal_name(c, "Family " + std::to_string(n));
        c.mode = "open";
        c.created_by = m_clinician;
        c.created_at = day("2025-01-01");
        must(m_store.insert_case(c), "case");
        out.id = c.id;
        const auto party = [&](const std::string& role, const std::string& user,
                               const std::string& represents, const std::string& dob) {
            storage::PartyRecord p;
            p.id = crypto::random_id("pty");
            p.case_id = c.id;
            p.role = role;
            m_barrier.seal_name(p, role + " " + std::to_string(n));
            m_barrier.seal_email(p, role + std::to_string(n) + "@bench.example");
            p.email_index = m_barrier.email_index(p.id + "@bench.example");
            p.represents = represents;
            p.user_id = user;
            p.status = "active";
            p.date_of_birth = dob;
            p.created_at = c.created_at;
            must(m_store.insert_party(p), "party");
            return p.id;
        };
        const std::string clinician = party("clinician", m_clinician, "", "");
        const std::string mother = party("parent", "", "", "");
        const std::string father = party("parent", "", "", "");
        const std::string child = party("child", "", "", "2016-04-01");
        const std::string therapist = party("child-therapist", "", "", "");
        party("attorney", "", mother, "");
        storage::UserRecord u;
        u.id = crypto::random_id("usr");
        u.kind = "member";
        u.email_index = m_barrier.email_index(u.id + "@bench.example");
        m_barrier.seal_email(u, u.id + "@bench.example");
        m_barrier.seal_name(u, "Attorney " + std::to_string(n));
        u.created_at = c.created_at;
        must(m_store.insert_user(u), "user");
        out.attorney_user = u.id;
        party("attorney", u.id, father, "");
        const UnixTime now = day("2026-03-01");
        must(m_records.put_party_facts({therapist, c.id, child, false, std::nullopt, std::nullopt}, now),
             "facts");

        // Documents: court orders, ROIs' PDFs, reports, other papers, letters, in that proportion.
        std::vector<std::string> types;
        for (int i = 0; i < m_o.docs_per_case; ++i) {
            const int k = i % 25;
            types.push_back(k < 2    ? "court-order"
                            : k < 7  ? "roi"
                            : k < 17 ? "report"
                            : k < 22 ? "other"
                                     : "clarification-letter");
        }
        std::vector<std::string> docs;
        for (std::size_t i = 0; i < types.size(); ++i) {
            docs.push_back(
                document(c.id, types[i], clinician, day("2025-06-01") + static_cast<UnixTime>(i) * 86400));
        }
        domain::CourtOrder order;
        order.id = crypto::random_id("ord");
        order.case_id = c.id;
        order.document = docs[0];
        order.court = "Superior Court";
        order.case_number = "FL-" + std::to_string(n);
        order.issued_at = day("2025-05-20");
        order.effective_at = day("2025-06-01");
        order.status = domain::OrderStatus::verified;
        order.verified_by = m_clinician;
        order.verified_at = day("2025-06-02");
        order.custody.push_back({{}, domain::CustodyKind::joint, {mother, father}});
        must(m_records.put_order(order, now), "order");

        // ROIs in every state the engine distinguishes; one in five names the father's counsel of record.
        for (int i = 0; i < m_o.rois_per_case; ++i) {
            domain::Roi r;
            r.id = crypto::random_id("roi");
            r.case_id = c.id;
            // The ROIs' own PDFs are documents 2 to 6 of the case (when the case has that many).
            r.document = docs[std::min<std::size_t>(2 + static_cast<std::size_t>(i % 5), docs.size() - 1)];
            r.subject = child;
            r.discloser = "Practice";
            const int k = i % 5;
            if (k == 1) {
                r.recipients.push_back(
                    {domain::RecipientKind::counsel_of_record_for, father, std::nullopt, std::nullopt});
                r.purposes = {domain::Purpose::legal_proceedings};
            } else if (k == 2) {
                r.recipients.push_back(
                    {domain::RecipientKind::counsel_of_record_for, mother, std::nullopt, std::nullopt});
                r.purposes = {domain::Purpose::legal_proceedings};
            } else {
                r.recipients.push_back(
                    {domain::RecipientKind::therapist_of, child, std::nullopt, std::nullopt});
                r.purposes = {domain::Purpose::coordination_of_care};
            }
            r.information.doc_types = {domain::DocType::report};
            r.information.description = "progress reports";
            r.direction = domain::Direction::both;
            r.expiry.date = k == 4 ? day("2026-01-01") : day("2035-01-01");
            r.statements = {true, true, true, true};
            r.template_version = "roi-2025.1";
            r.document_sha256 = std::string(64, 'a');
            r.signatures.push_back({k == 1 ? father : mother,
                                    domain::SignerCapacity::parent_legal_custody,
                                    {domain::AuthorityKind::court_order, order.id},
                                    day("2025-07-01"),
                                    ""});
            r.state = k == 2   ? domain::RoiState::revoked
                      : k == 3 ? domain::RoiState::pending_signatures
                               : domain::RoiState::active;
            r.activated_at = day("2025-07-01");
            if (k == 2) {
                r.revoked_at = day("2025-09-01");
                r.revoked_by = mother;
            }
            must(m_records.put_roi(r, now), "roi");
        }
        for (std::size_t i = 0; i < types.size(); ++i) {
            if (types[i] != "clarification-letter") {
                continue;
            }
            services::LetterRecord l;
            l.id = crypto::random_id("ltr");
            l.case_id = c.id;
            l.document_id = docs[i];
            l.letter.author = father;
            l.letter.child = child;
            l.letter.state = i % 2 == 0 ? domain::LetterState::released : domain::LetterState::submitted;
            if (l.letter.state == domain::LetterState::released) {
                l.letter.release_targets = {therapist};
            }
            must(m_records.put_letter(l, now), "letter");
        }
        return out;
    }

    std::string session(const std::string& user) {
        storage::SessionRecord s;
        std::string token = crypto::random_token();
        s.token_hash = crypto::to_hex(crypto::sha256(token));
        s.user_id = user;
        s.auth_method = "password";
        s.client_address = "127.0.0.1";
        s.created_at = SystemClock().now();
        s.last_seen = s.created_at;
        s.expires_at = s.created_at + UnixTime{12} * 3600;
        must(m_store.insert_session(s), "session");
        return token;
    }

private:
    std::string document(const std::string& case_id, const std::string& type, const std::string& party,
                         UnixTime at) {
        storage::DocumentRecord d;
        d.id = crypto::random_id("doc");
        d.case_id = case_id;
        d.type = type;
        d.created_by = m_clinician;
        d.created_by_party = party;
        d.created_at = at;
        d.current_version = 1;
        d.state = "stored";
        d.category = type;
        must(m_store.insert_document(d), "document");
        storage::VersionRecord v;
        v.document_id = d.id;
        v.version = 1;
        v.blob_id = crypto::random_id("blob");
        v.size = 123456;
        v.sha256 = std::string(64, 'b');
        v.pages = 3;
        v.uploaded_by = m_clinician;
        v.uploaded_at = at;
        m_barrier.seal_title(v, type + " of " + case_id);
        m_barrier.seal_filename(v, type + ".pdf");
        v.kek_version = m_keyring.current_kek_version();
        v.wrapped_key = {0};
        must(m_store.insert_version(v), "version");
        return d.id;
    }

    storage::Store& m_store;
    const crypto::Keyring& m_keyring;
    const barrier::Barrier& m_barrier;
    services::ConsentRecords m_records;
    std::string m_clinician;
    const Options& m_o;
};

// kinvaultd on the seeded vault, for the HTTPS measure.
class Server {
public:
    Server(const std::string& binary, const app::Paths& paths, const std::string& key_file) {
        int out[2];
        if (::pipe(out) != 0) {
            throw std::runtime_error("pipe");
        }
        m_pid = ::fork();
        if (m_pid == 0) {
            ::dup2(out[1], 1);
            const int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, 2);
            ::close(out[0]);
            ::execl(binary.c_str(), binary.c_str(), "--data", paths.data.c_str(), "--port", "0", "--key-file",
                    key_file.c_str(), static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        ::close(out[1]);
        std::string text;
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        while (text.find("listening on https://") == std::string::npos ||
               text.find('\n', text.find("listening on")) == std::string::npos) {
            pollfd p{out[0], POLLIN, 0};
            if (Clock::now() > deadline || ::poll(&p, 1, 1000) < 0) {
                throw std::runtime_error("kinvaultd did not start");
            }
            char buf[1024];
            const ssize_t n = ::read(out[0], buf, sizeof buf);
            if (n <= 0) {
                if (n == 0) {
                    throw std::runtime_error("kinvaultd exited at start");
                }
                continue;
            }
            text.append(buf, static_cast<std::size_t>(n));
        }
        ::close(out[0]);
        const auto at = text.find("127.0.0.1:");
        m_port = static_cast<Poco::UInt16>(std::stoi(text.substr(at + 10)));
    }
    ~Server() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    [[nodiscard]] Poco::UInt16 port() const { return m_port; }

private:
    pid_t m_pid{-1};
    Poco::UInt16 m_port{0};
};

struct Row {
    int factor{1};
    long long cases{0};
    long long documents{0};
    long long rois{0};
    double seed_seconds{0};
    Percentiles gate;
    Percentiles service;
    std::optional<Percentiles> https;
    double listed_mean{0};
    double breakdown[3]{0, 0, 0}; // summed ms: facts assembly, document rows, decisions
};

Row run(const Options& o, int factor) {
    Row row;
    row.factor = factor;
    row.cases = static_cast<long long>(o.cases) * factor;
    row.documents = row.cases * o.docs_per_case;
    row.rois = row.cases * o.rois_per_case;

    const std::string dir = o.work + "/scale-" + std::to_string(factor);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    app::Paths paths{dir + "/data"};
    const std::string key_file = dir + "/unseal.key";
    must(crypto::create_key_file(key_file), "key file");
    const auto unseal = must(crypto::read_key_file(key_file), "key file");
    SystemClock clock;
    app::InitOptions init;
    init.admin_email = "clinician@bench.example";
    init.admin_name = "Bench Clinician";
    init.key_file = key_file;
    must(app::initialise_vault(paths, init, unseal, crypto::Secret::from_view("bench-clinician-password"),
                               clock),
         "init");
    auto ring = must(crypto::Keyring::unseal(must(app::read_keyring(paths), "keyring"), unseal), "unseal");
    auto store = must(storage::open_sqlite_store({paths.database(), 4, 10}), "store");
    const auto admin =
        must(store->user_by_email_index(ring.blind_index("email", "clinician@bench.example")), "admin")
            .value();

    std::cerr << "seeding " << row.cases << " cases, " << row.documents << " documents, " << row.rois
              << " ROIs...\n";
    const auto seed_start = Clock::now();
    const barrier::Barrier seed_barrier(ring);
    Seeder seeder(*store, ring, seed_barrier, admin.id, o);
    std::vector<SeededCase> cases;
    cases.reserve(static_cast<std::size_t>(row.cases));
    constexpr int k_batch = 200;
    for (long long first = 0; first < row.cases; first += k_batch) {
        must(store->transaction([&]() -> Status {
            for (long long n = first; n < std::min<long long>(first + k_batch, row.cases); ++n) {
                cases.push_back(seeder.family(static_cast<int>(n)));
            }
            return {};
        }),
             "seed");
    }
    row.seed_seconds = ms_since(seed_start) / 1000.0;

    std::mt19937 rng(42);
    std::uniform_int_distribution<std::size_t> pick(0, cases.size() - 1);
    {
        auto origin = must(store->setting("audit.origin"), "origin").value();
        auto seed = must(
            ring.open_secret(must(store->sealed_secret("audit.seed"), "seed").value(), "audit.seed"), "seed");
        services::AuditLog audit(*store, clock, crypto::CheckpointSigner::from_seed(seed, origin), origin);
        must(audit.load(), "audit");
        const barrier::Barrier barrier(ring);
        services::ReleaseGate gate(*store, barrier, clock);
        storage::BlobStore blobs(paths.blobs());
        pdf::PdfGateway pdf_gateway;
        services::Vault vault(*store, blobs, barrier, audit, gate, pdf_gateway, clock, {});
        const services::RequestInfo req{"127.0.0.1", "bench"};

        std::vector<double> gate_ms;
        std::vector<double> service_ms;
        long long listed = 0;
        for (int i = 0; i < o.samples + 20; ++i) {
            const SeededCase& c = cases[pick(rng)];
            services::Principal who;
            who.user_id = c.attorney_user;
            const auto t0 = Clock::now();
            auto access = must(gate.case_access(who, c.id), "access");
            const double t_access = ms_since(t0);
            const auto docs = must(store->documents_of_case(c.id), "documents");
            const double t_docs = ms_since(t0);
            long long permitted = 0;
            for (const auto& d : docs) {
                permitted += gate.decide(access, d, services::AccessAction::list).permit ? 1 : 0;
            }
            const double g = ms_since(t0);
            if (i >= 20) {
                row.breakdown[0] += t_access;
                row.breakdown[1] += t_docs - t_access;
                row.breakdown[2] += g - t_docs;
            }
            const auto t1 = Clock::now();
            const auto views = must(vault.list(who, c.id, req), "list");
            const double s = ms_since(t1);
            if (static_cast<long long>(views.size()) != permitted) {
                throw std::runtime_error("the service listed a different set than the gate permitted");
            }
            if (i >= 20) { // the first listings warm the page cache
                gate_ms.push_back(g);
                service_ms.push_back(s);
                listed += permitted;
            }
        }
        row.gate = percentiles(gate_ms);
        row.service = percentiles(service_ms);
        row.listed_mean = static_cast<double>(listed) / static_cast<double>(o.samples);
    }

    if (o.https) {
        std::vector<SeededCase> sampled;
        for (int i = 0; i < 50; ++i) {
            SeededCase c = cases[pick(rng)];
            c.token = seeder.session(c.attorney_user);
            sampled.push_back(c);
        }
        store.reset(); // the daemon opens the database itself
        Server server(o.kinvaultd, paths, key_file);
        Poco::Net::Context::Params params;
        params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
        params.caLocation = paths.root_ca();
        params.loadDefaultCAs = false;
        Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        Poco::Net::HTTPSClientSession session("localhost", server.port(), ctx);
        session.setKeepAlive(true);
        std::vector<double> https_ms;
        std::uniform_int_distribution<std::size_t> pick_sampled(0, sampled.size() - 1);
        for (int i = 0; i < o.https_samples + 20; ++i) {
            const SeededCase& c = sampled[pick_sampled(rng)];
            Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET,
                                           "/api/v1/cases/" + c.id + "/documents",
                                           Poco::Net::HTTPMessage::HTTP_1_1);
            request.set("Authorization", "Bearer " + c.token);
            request.setKeepAlive(true);
            const auto t0 = Clock::now();
            session.sendRequest(request);
            Poco::Net::HTTPResponse response;
            std::istream& body = session.receiveResponse(response);
            std::string text;
            Poco::StreamCopier::copyToString(body, text);
            const double ms = ms_since(t0);
            if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
                throw std::runtime_error("HTTPS listing answered " + std::to_string(response.getStatus()) +
                                         ": " + text);
            }
            if (i >= 20) {
                https_ms.push_back(ms);
            }
        }
        row.https = percentiles(https_ms);
    }
    return row;
}

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

int usage() {
    std::cerr << "usage: kv_bench_consent_listing [--cases N] [--docs-per-case N] [--rois-per-case N] "
                 "[--samples N]\n"
                 "         [--https-samples N] [--scale N] [--no-https] [--kinvaultd PATH] [--work DIR]\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    o.kinvaultd = (self.parent_path() / "kinvaultd").string();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                throw std::invalid_argument(a + " needs a value");
            }
            return argv[++i];
        };
        try {
            if (a == "--cases") {
                o.cases = std::stoi(next());
            } else if (a == "--docs-per-case") {
                o.docs_per_case = std::stoi(next());
            } else if (a == "--rois-per-case") {
                o.rois_per_case = std::stoi(next());
            } else if (a == "--samples") {
                o.samples = std::stoi(next());
            } else if (a == "--https-samples") {
                o.https_samples = std::stoi(next());
            } else if (a == "--scale") {
                o.scale = std::stoi(next());
            } else if (a == "--no-https") {
                o.https = false;
            } else if (a == "--kinvaultd") {
                o.kinvaultd = next();
            } else if (a == "--work") {
                o.work = next();
            } else {
                return usage();
            }
        } catch (const std::exception&) {
            return usage();
        }
    }
    const bool own_work = o.work.empty();
    if (own_work) {
        std::string templ = (std::filesystem::temp_directory_path() / "kv-bench-consent-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr) {
            std::cerr << "cannot make a scratch directory\n";
            return 1;
        }
        o.work = templ;
    }
    try {
        std::vector<Row> rows;
        for (const int factor : {1, o.scale}) {
            rows.push_back(run(o, factor));
        }
        std::cout << "Listing the documents an attorney may see (one case, as the father's attorney); times "
                     "in ms\n\n";
        std::cout << "scale  cases   documents  ROIs     seeded(s)  listed  gate p50/p99/max      service "
                     "p50/p99/max"
                  << (o.https ? "   https p50/p99/max" : "") << "\n";
        for (const auto& r : rows) {
            char line[512];
            std::snprintf(line, sizeof line, "%-5s  %-6lld  %-9lld  %-7lld  %-9.0f  %-6.1f  %-20s  %-20s",
                          (std::to_string(r.factor) + "x").c_str(), r.cases, r.documents, r.rois,
                          r.seed_seconds, r.listed_mean,
                          (fmt(r.gate.p50) + "/" + fmt(r.gate.p99) + "/" + fmt(r.gate.max)).c_str(),
                          (fmt(r.service.p50) + "/" + fmt(r.service.p99) + "/" + fmt(r.service.max)).c_str());
            std::cout << line;
            if (r.https) {
                std::cout << "  " << fmt(r.https->p50) << "/" << fmt(r.https->p99) << "/"
                          << fmt(r.https->max);
            }
            std::cout << "\n";
        }
        const Row& a = rows.front();
        const Row& b = rows.back();
        const double growth = b.service.p99 / a.service.p99;
        for (const auto& r : rows) {
            const double n = static_cast<double>(o.samples);
            std::cout << "\n"
                      << r.factor << "x gate time per listing (mean ms): facts " << fmt(r.breakdown[0] / n)
                      << ", document rows " << fmt(r.breakdown[1] / n) << ", decisions "
                      << fmt(r.breakdown[2] / n);
        }
        std::cout << "\n";
        std::cout << "\ntarget: service p99 < 5 ms at 1x: " << fmt(a.service.p99) << " ms ("
                  << (a.service.p99 < 5.0 ? "met" : "NOT met") << ")\n";
        std::cout << "target: p99 grows < 2x from 1x to " << b.factor << "x: service " << fmt(growth) << "x ("
                  << (growth < 2.0 ? "met" : "NOT met") << "), gate " << fmt(b.gate.p99 / a.gate.p99) << "x";
        if (a.https && b.https) {
            std::cout << ", https " << fmt(b.https->p99 / a.https->p99) << "x";
        }
        std::cout << "\n";
    } catch (const std::exception& e) {
        std::cerr << "bench failed: " << e.what() << "\n";
        return 1;
    }
    if (own_work) {
        std::filesystem::remove_all(o.work, ec);
    }
    return 0;
}
