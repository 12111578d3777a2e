// The tamper-evident audit log (issue 2 item 10, security.md "Audit log"): every state change, read and
// denial is appended; `kinvault audit verify` checks the signed checkpoint, recomputes the tree and proves
// consistency with the checkpoint it saw last; an altered entry is detected; and if the log cannot be
// written nothing is released (fail closed).
#include "integration_util.h"

#include "crypto/merkle.h"

#include <regex>

using namespace kvtest;

namespace {

constexpr const char* k_parent_email = "noor.haddad@example.org";
constexpr const char* k_parent_password = "noor-password-77";

// A case with a parent who uploaded a court order, and a clinician report the parent may not see.
struct Audited {
    Daemon daemon;
    Client clinician{daemon.url(), daemon.ca_path()};
    std::string case_id;
    Joined parent_join;
    Client parent{daemon.url(), daemon.ca_path()};
    std::string parent_doc;
    std::string clinician_doc;

    explicit Audited(DaemonOptions options = {}) : daemon(std::move(options)) {
        clinician.login(k_clinician_email, k_clinician_password);
        case_id = create_case(clinician, "Haddad family");
        parent_join =
            join_case(clinician, case_id, "parent", "Noor Haddad", k_parent_email, k_parent_password);
        parent.set_token(parent_join.token);
        parent_doc = upload(parent, "court-order");
        clinician_doc = upload(clinician, "report");
    }

    std::string upload(const Client& c, const std::string& type) const {
        const Response r = upload_document(c, case_id, type, make_pdf("AUDITED-" + type, 1));
        REQUIRE(r.status == 201);
        return r.json()->getValue<std::string>("id");
    }

    [[nodiscard]] std::vector<Poco::JSON::Object::Ptr> since(std::uint64_t from) const {
        return audit_entries_since(clinician, from);
    }
};

std::string sql_quote(const std::string& text) {
    std::string out = "'";
    for (const char c : text) {
        out += c == '\'' ? std::string("''") : std::string(1, c);
    }
    return out + "'";
}

} // namespace

TEST_CASE("every state change is in the audit log", "[integration][audit]") {
    Audited a;
    const auto all = a.since(0);
    CHECK(has_entry(all, "vault.init", "ok"));
    CHECK(has_entry(all, "account.create", "ok"));
    CHECK(has_entry(all, "daemon.start", "ok"));
    CHECK(has_entry(all, "session.open", "ok", a.parent_join.user_id));
    CHECK(has_entry(all, "case.create", "ok", a.case_id));
    CHECK(has_entry(all, "party.invite", "ok", a.parent_join.party_id));
    CHECK(has_entry(all, "invitation.accept", "ok", a.parent_join.party_id));
    CHECK(has_entry(all, "document.upload", "ok", a.parent_doc));
    CHECK(has_entry(all, "document.upload", "ok", a.clinician_doc));

    const std::uint64_t before = audit_size(a.clinician);
    const Response invited = a.clinician.post_json(
        "/api/v1/cases/" + a.case_id + "/parties",
        obj({{"role", "parent"}, {"name", "Omar Haddad"}, {"email", "omar@example.org"}}));
    REQUIRE(invited.status == 201);
    const std::string party = invited.json()->getObject("party")->getValue<std::string>("id");
    REQUIRE(a.clinician.request("POST", "/api/v1/parties/" + party + "/invitation").status == 201);
    REQUIRE(a.parent
                .request("POST", "/api/v1/documents/" + a.parent_doc + "/versions", make_pdf("V2", 1),
                         "application/pdf")
                .status == 201);
    REQUIRE(a.parent.request("DELETE", "/api/v1/sessions/current").status == 204);
    (void)a.daemon.stop(); // its exit status is test_daemon.cpp's concern
    a.daemon.start();
    Client clinician(a.daemon.url(), a.daemon.ca_path());
    clinician.set_token(a.clinician.token());
    const auto later = audit_entries_since(clinician, before);
    CHECK(has_entry(later, "party.invite", "ok", party));
    CHECK(has_entry(later, "party.reinvite", "ok", party));
    CHECK(has_entry(later, "document.version", "ok", a.parent_doc));
    CHECK(has_entry(later, "session.close", "ok", a.parent_join.user_id));
    CHECK(has_entry(later, "daemon.stop", "ok"));
}

TEST_CASE("every document read and listing is in the audit log with actor, object, case, time and address",
          "[integration][audit]") {
    Audited a;
    const std::uint64_t before = audit_size(a.clinician);
    REQUIRE(a.clinician.get("/api/v1/documents/" + a.parent_doc + "/content").status == 200);
    REQUIRE(a.clinician.get("/api/v1/documents/" + a.parent_doc).status == 200);
    REQUIRE(a.clinician.get("/api/v1/documents/" + a.parent_doc + "/versions").status == 200);
    REQUIRE(a.parent.get("/api/v1/cases/" + a.case_id + "/documents").status == 200);
    const auto entries = a.since(before);
    CHECK(has_entry(entries, "document.read", "permit", a.parent_doc));
    CHECK(has_entry(entries, "document.metadata", "permit", a.parent_doc));
    CHECK(has_entry(entries, "document.list", "permit", a.case_id));
    for (const auto& e : entries) {
        if (field(e, "action") == "document.read") {
            CHECK(field(e, "actor") ==
                  a.clinician.get("/api/v1/me").json()->getValue<std::string>("user_id"));
            CHECK(field(e, "case") == a.case_id);
            CHECK(field(e, "client") == "127.0.0.1");
            CHECK(std::regex_match(field(e, "time"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
            CHECK_FALSE(field(e, "reason").empty());
        }
    }
}

TEST_CASE("every denial is in the audit log", "[integration][audit]") {
    Audited a;
    const std::uint64_t before = audit_size(a.clinician);
    SECTION("a forbidden document read") {
        REQUIRE(a.parent.get("/api/v1/documents/" + a.clinician_doc + "/content").status == 404);
        CHECK(has_entry(a.since(before), "document.read", "deny", a.clinician_doc));
    }
    SECTION("a read of a document that does not exist") {
        REQUIRE(a.parent.get("/api/v1/documents/doc_aaaaaaaaaaaaaaaa/content").status == 404);
        CHECK(has_entry(a.since(before), "document.read", "deny", "doc_aaaaaaaaaaaaaaaa"));
    }
    SECTION("a forbidden metadata read") {
        REQUIRE(a.parent.get("/api/v1/documents/" + a.clinician_doc).status == 404);
        CHECK(has_entry(a.since(before), "document.metadata", "deny", a.clinician_doc));
    }
    SECTION("a failed sign-in") {
        Client c(a.daemon.url(), a.daemon.ca_path());
        REQUIRE(c.post_json("/api/v1/sessions",
                            obj({{"email", k_parent_email}, {"password", "wrong-password-1"}}))
                    .status == 401);
        CHECK(has_entry(a.since(before), "login.failure", "deny", a.parent_join.user_id));
    }
    SECTION("a case of another family") {
        const std::string other = create_case(a.clinician, "Other family");
        REQUIRE(a.parent.get("/api/v1/cases/" + other).status == 404);
        REQUIRE(a.parent.get("/api/v1/cases/" + other + "/documents").status == 404);
        const auto entries = a.since(before);
        CHECK(has_entry(entries, "case.read", "deny", other));
        CHECK(has_entry(entries, "document.list", "deny", other));
    }
    SECTION("a PDF refused at intake") {
        const std::string broken = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog";
        REQUIRE(upload_document(a.parent, a.case_id, "court-order", broken).status == 422);
        CHECK(has_entry(a.since(before), "document.upload", "deny"));
    }
}

// Issue 2 item 10: "every read and every denial is appended". These reads and refusals leave no entry:
// Cases::show audits only denials, Cases::parties audits nothing (daemon/services/cases.cpp); a role refusal
// in Cases::create / Cases::invite, Vault::begin_upload's refusals and the not-a-PDF refusals in
// Upload::write / Upload::finish (daemon/services/vault.cpp) return without an audit entry, as does the
// audit routes' clinician_only refusal (daemon/http/api_audit.cpp).
TEST_CASE("reads of cases and parties are in the audit log", "[integration][audit]") {
    Audited a;
    const std::uint64_t before = audit_size(a.clinician);
    SECTION("showing a case") {
        REQUIRE(a.parent.get("/api/v1/cases/" + a.case_id).status == 200);
        CHECK(has_entry(a.since(before), "case.read", "permit", a.case_id));
    }
    SECTION("listing a case's parties") {
        REQUIRE(a.parent.get("/api/v1/cases/" + a.case_id + "/parties").status == 200);
        const auto entries = a.since(before);
        bool found = false;
        for (const auto& e : entries) {
            found = found || (field(e, "case") == a.case_id && field(e, "decision") == "permit");
        }
        CHECK(found);
    }
}

TEST_CASE("refusals before the release gate are in the audit log", "[integration][audit]") {
    Audited a;
    const std::uint64_t before = audit_size(a.clinician);
    auto denied_since = [&] {
        std::size_t n = 0;
        for (const auto& e : a.since(before)) {
            n += field(e, "decision") == "deny" ? 1 : 0;
        }
        return n;
    };
    SECTION("a parent trying to open a case") {
        REQUIRE(a.parent.post_json("/api/v1/cases", obj({{"name", "Mine"}})).status == 403);
        CHECK(denied_since() == 1);
    }
    SECTION("a parent trying to invite") {
        REQUIRE(a.parent
                    .post_json("/api/v1/cases/" + a.case_id + "/parties",
                               obj({{"role", "parent"}, {"name", "X"}, {"email", "x@example.org"}}))
                    .status == 403);
        CHECK(denied_since() == 1);
    }
    SECTION("a parent uploading a document type their role may not add") {
        REQUIRE(upload_document(a.parent, a.case_id, "roi", make_pdf("ROI", 1)).status == 403);
        CHECK(denied_since() == 1);
    }
    SECTION("a file that is not a PDF") {
        REQUIRE(upload_document(a.parent, a.case_id, "court-order", std::string(2000, 'x')).status == 415);
        CHECK(denied_since() == 1);
    }
    SECTION("a parent trying to read the audit log") {
        REQUIRE(a.parent.get("/api/v1/audit/entries").status == 403);
        CHECK(denied_since() == 1);
    }
}

TEST_CASE("kinvault audit verify proves the log only grew, and detects an altered entry",
          "[integration][audit]") {
    Audited a;
    TempDir home("kvaudit");
    CliUser cli(home.path() + "/clinician", k_clinician_password);
    REQUIRE(cli.run({"--server", a.daemon.url(), "--ca", a.daemon.ca_path(), "login", k_clinician_email})
                .exit_code == 0);
    const auto first = cli.run({"audit", "verify"});
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.find("first verification") != std::string::npos);

    // Enough activity that an early entry lies outside the daemon's start-up spot check of the newest 64.
    for (int i = 0; i < 70; ++i) {
        REQUIRE(a.clinician.get("/api/v1/documents/" + a.parent_doc).status == 200);
    }

    SECTION("after more activity the log verifies again, consistent with the saved checkpoint") {
        const auto second = cli.json({"audit", "verify"}).extract<Poco::JSON::Object::Ptr>();
        CHECK(second->getValue<bool>("ok"));
        CHECK(second->getValue<std::string>("consistency").find("consistent with the checkpoint of") !=
              std::string::npos);
    }

    SECTION("an entry altered in the database fails verification with exit 5") {
        (void)a.daemon.stop(); // its exit status is test_daemon.cpp's concern
        (void)sqlite(a.daemon.data_dir() + "/kinvault.db",
                     "UPDATE audit_log SET entry = replace(entry, 'clinician account created', "
                     "'nothing happened') WHERE seq = 1");
        a.daemon.start();
        const auto r = cli.run({"--server", a.daemon.url(), "audit", "verify"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 5);
        CHECK_FALSE(r.err.empty());
    }

    SECTION("an entry altered together with its Merkle leaf fails against the saved checkpoint with exit 5") {
        (void)a.daemon.stop(); // its exit status is test_daemon.cpp's concern
        const std::string db = a.daemon.data_dir() + "/kinvault.db";
        std::string entry = sqlite(db, "SELECT entry FROM audit_log WHERE seq = 1");
        REQUIRE(entry.size() > 1);
        entry.pop_back();
        const auto at = entry.find("clinician account created");
        REQUIRE(at != std::string::npos);
        entry.replace(at, 25, "nothing happened here....");
        const auto leaf = kinvault::crypto::merkle_leaf_hash(
            reinterpret_cast<const std::uint8_t*>(entry.data()), entry.size());
        (void)sqlite(db, "UPDATE audit_log SET entry = " + sql_quote(entry) + ", leaf_hash = X'" +
                             kinvault::to_hex(leaf.data(), leaf.size()) + "' WHERE seq = 1");
        a.daemon.start();
        const auto r = cli.run({"--server", a.daemon.url(), "audit", "verify"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 5);
        CHECK(r.err.find("not consistent") != std::string::npos);
    }
}

TEST_CASE("when the audit log cannot be written nothing is released", "[integration][audit][failclosed]") {
    Audited a;
    const std::string pdf_marker = "AUDITED-court-order";
    const std::size_t blobs_before = blob_files(a.daemon.data_dir()).size();
    (void)a.daemon.stop(); // its exit status is test_daemon.cpp's concern
    a.daemon.set_env("KINVAULT_TESTING_FAIL_AUDIT", "1");
    a.daemon.start();
    Client clinician(a.daemon.url(), a.daemon.ca_path());
    clinician.set_token(a.clinician.token());

    SECTION("a document download is refused with 503 and no byte of the document") {
        const Response r = clinician.get("/api/v1/documents/" + a.parent_doc + "/content");
        CHECK(r.status == 503);
        CHECK(r.error_code() == "unavailable");
        CHECK(r.body.find("%PDF") == std::string::npos);
        CHECK(r.body.find(pdf_marker) == std::string::npos);
        CHECK(r.headers.count("X-Kinvault-SHA256") == 0);
    }
    SECTION("metadata and listings are refused") {
        CHECK(clinician.get("/api/v1/documents/" + a.parent_doc).status == 503);
        CHECK(clinician.get("/api/v1/cases/" + a.case_id + "/documents").status == 503);
    }
    SECTION("an upload is refused and leaves nothing behind") {
        const Response r = upload_document(clinician, a.case_id, "report", make_pdf("UNAUDITED", 1));
        CHECK(r.status == 503);
        CHECK(blob_files(a.daemon.data_dir()).size() == blobs_before);
        (void)a.daemon.stop(); // its exit status is test_daemon.cpp's concern
        a.daemon.set_env("KINVAULT_TESTING_FAIL_AUDIT", "");
        a.daemon.start();
        Client after(a.daemon.url(), a.daemon.ca_path());
        after.set_token(a.clinician.token());
        CHECK(items_of(after.get("/api/v1/cases/" + a.case_id + "/documents"))->size() == 2);
    }
    SECTION("a sign-in is refused") {
        Client c(a.daemon.url(), a.daemon.ca_path());
        const Response r = c.post_json(
            "/api/v1/sessions", obj({{"email", k_clinician_email}, {"password", k_clinician_password}}));
        CHECK(r.status == 503);
        CHECK(r.body.find("token") == std::string::npos);
    }
}
