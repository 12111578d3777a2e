// The rules of the signing act and of the envelope's life (issue 4 items 2-4, domain.md "E-signature
// evidence"): each way of signing wrongly is refused with a clear message and signs nothing; the evidence
// lands in the envelope's events and the audit log; every party gets the executed copy and nobody else;
// declined, voided and expired envelopes stay unsigned and say so everywhere; consent can be withdrawn and
// given again; reminders reach the notification outbox.
#include "test_signing_support.h"

using namespace kvsign;

namespace {

// A case with two parents and an envelope on an uploaded two-page document: the mother signs in group 1,
// the father in group 2.
struct TwoStep {
    World w;
    Signer mother = w.join("parent", "Maya Okafor", "maya.okafor@example.org");
    Signer father = w.join("parent", "Daniel Lindqvist", "daniel.lindqvist@example.org");
    std::string original = kvtest::make_pdf("KINVAULT-RULES", 2);
    Poco::JSON::Object::Ptr sent = document_envelope(
        w, original, {{"mother", mother.party_id, 1, "", ""}, {"father", father.party_id, 2, "", ""}});
    std::string id = str(sent, "id");

    [[nodiscard]] Poco::JSON::Object::Ptr status() const { return envelope(w.clinician, id); }
    [[nodiscard]] int version() const { return status()->getValue<int>("current_version"); }
};

// Nothing was signed: the version did not move, the signer is not marked signed, and the document the
// signer would review carries no signature.
void require_nothing_signed(const TwoStep& t, int version_before, const std::string& slot) {
    const auto e = t.status();
    CHECK(e->getValue<int>("current_version") == version_before);
    CHECK(str(signer_entry(e, slot), "state") != "signed");
    CHECK(str(signer_entry(e, slot), "signature_id").empty());
    const Viewed v = view(t.w.clinician, t.id);
    CHECK(cut_signatures(v.pdf).empty());
}

std::vector<Poco::JSON::Object::Ptr> audit_entries(const World& w) {
    std::vector<Poco::JSON::Object::Ptr> out;
    for (std::size_t from = 0;;) {
        const auto r = w.clinician.get("/api/v1/audit/entries?from=" + std::to_string(from) + "&count=5000");
        INFO(r.body.substr(0, 300));
        REQUIRE(r.status == 200);
        const auto page = r.json()->getArray("items");
        if (page->size() == 0) {
            return out;
        }
        for (const auto& v : *page) {
            out.push_back(parse_object(v.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("entry")));
        }
        from += page->size();
    }
}

std::vector<std::string> audit_actions_for(const World& w, const std::string& object) {
    std::vector<std::string> out;
    for (const auto& e : audit_entries(w)) {
        if (str(e, "object") == object) {
            out.push_back(str(e, "action"));
        }
    }
    return out;
}

std::vector<std::string> event_types(const Poco::JSON::Object::Ptr& e) {
    std::vector<std::string> out;
    for (const auto& v : *e->getArray("events")) {
        out.push_back(str(v.extract<Poco::JSON::Object::Ptr>(), "type"));
    }
    return out;
}

bool contains(const std::vector<std::string>& all, const std::string& one) {
    return std::find(all.begin(), all.end(), one) != all.end();
}

// Outbox rows of a case, read from the daemon's database without changing it (python3's sqlite3 module,
// read-only URI; the daemon keeps running).
std::vector<std::string> outbox_kinds(const World& w, const std::string& case_id) {
    static const char* const script = "import sqlite3, sys\n"
                                      "con = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n"
                                      "for (kind,) in con.execute('SELECT kind FROM outbox WHERE case_id = ? "
                                      "ORDER BY created_at, id', (sys.argv[2],)):\n"
                                      "    print(kind)\n";
    const auto r = tool({"python3", "-c", script, w.daemon.data_dir() + "/kinvault.db", case_id});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
        out.push_back(line);
    }
    return out;
}

} // namespace

TEST_CASE("Each wrong way of signing is refused with a clear message and signs nothing",
          "[integration][signing]") {
    TwoStep t;
    const int before = t.version();
    const std::string pw = t.mother.password;
    SECTION("signing before consenting to electronic signatures") {
        const Viewed v = view(t.mother.api, t.id);
        const auto r = sign(t.mother.api, t.id, sign_body(v.sha256, pw, t.mother.name));
        CHECK(r.status == 409);
        CHECK(has(error_message(r), "accept the consent to sign electronically"));
        require_nothing_signed(t, before, "mother");
    }
    SECTION("signing without having opened the document") {
        REQUIRE(consent(t.mother.api, t.id).status == 204);
        const auto r = sign(t.mother.api, t.id, sign_body(sha256_hex(t.original), pw, t.mother.name));
        CHECK(r.status == 409);
        CHECK(has(error_message(r), "open and review the document"));
        require_nothing_signed(t, before, "mother");
    }
    SECTION("signing with the hash of something other than what was shown") {
        const Viewed v = view(t.mother.api, t.id);
        REQUIRE(v.sha256 == sha256_hex(v.pdf));
        REQUIRE(consent(t.mother.api, t.id).status == 204);
        const auto r = sign(t.mother.api, t.id, sign_body(sha256_hex(v.pdf + " "), pw, t.mother.name));
        CHECK(r.status == 409);
        CHECK(has(error_message(r), "not the one being signed"));
        require_nothing_signed(t, before, "mother");
    }
    SECTION("signing without stating the intent to sign") {
        const Viewed v = view(t.mother.api, t.id);
        REQUIRE(consent(t.mother.api, t.id).status == 204);
        const auto r = sign(t.mother.api, t.id, sign_body(v.sha256, pw, t.mother.name, false));
        CHECK(r.status == 400);
        CHECK(has(error_message(r), "confirm that you intend to sign"));
        require_nothing_signed(t, before, "mother");
    }
    SECTION("signing with a wrong password") {
        const Viewed v = view(t.mother.api, t.id);
        REQUIRE(consent(t.mother.api, t.id).status == 204);
        const auto r = sign(t.mother.api, t.id, sign_body(v.sha256, pw + "x", t.mother.name));
        INFO(r.body);
        CHECK(r.status == 401);
        CHECK(has(error_message(r), "password"));
        require_nothing_signed(t, before, "mother");
        const auto cli = t.mother.cli.run(
            {"envelope", "sign", t.id, "--accept-disclosure", "--intent", "--typed-signature", t.mother.name},
            {{"KINVAULT_PASSWORD", pw + "x"}});
        CHECK(cli.exit_code == 3);
        require_nothing_signed(t, before, "mother");
    }
    SECTION("signing out of turn (group 2 before group 1)") {
        const Viewed v = view(t.father.api, t.id);
        REQUIRE(consent(t.father.api, t.id).status == 204);
        const auto r = sign(t.father.api, t.id, sign_body(v.sha256, t.father.password, t.father.name));
        CHECK(r.status == 409);
        CHECK(has(error_message(r), "not your turn"));
        require_nothing_signed(t, before, "father");
    }
    SECTION("signing a second time") {
        sign_over_api(t.mother, t.id);
        const int after_first = t.version();
        CHECK(after_first > before);
        const Viewed v = view(t.mother.api, t.id);
        const auto r = sign(t.mother.api, t.id, sign_body(v.sha256, pw, t.mother.name));
        CHECK(r.status == 409);
        CHECK(has(error_message(r), "already signed"));
        CHECK(t.version() == after_first);
        CHECK(cut_signatures(view(t.w.clinician, t.id).pdf).size() == 1);
    }
    SECTION("signing as someone who is not a signer of the envelope") {
        const Signer stranger = t.w.join("child-therapist", "Priya Raman", "priya.raman@example.org");
        const auto r =
            sign(stranger.api, t.id, sign_body(sha256_hex(t.original), stranger.password, stranger.name));
        CHECK(r.status == 404);
        require_nothing_signed(t, before, "mother");
    }
}

TEST_CASE("A completed envelope leaves its evidence in the events and the audit log, and reaches every party",
          "[integration][signing]") {
    TwoStep t;
    sign_over_api(t.mother, t.id);
    const auto r = sign_with_cli(t.father, t.id);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto done = t.status();
    REQUIRE(str(done, "state") == "completed");
    const std::string executed = view(t.w.clinician, t.id).pdf;
    REQUIRE(cut_signatures(executed).size() == 3);

    SECTION("the envelope's events record sent, opened, consented, signed and completed") {
        const auto types = event_types(done);
        for (const std::string type : {"sent", "opened", "consented", "signed", "completed"}) {
            INFO(type);
            CHECK(contains(types, type));
        }
        for (const auto& v : *done->getArray("events")) {
            const auto ev = v.extract<Poco::JSON::Object::Ptr>();
            CHECK_FALSE(str(ev, "at").empty());
            CHECK(str(ev, "client_address") == "127.0.0.1");
            if (str(ev, "type") == "signed") {
                CHECK(has(str(ev, "auth_method"), "password"));
            }
        }
    }
    SECTION("the audit log records sent, opened, consented, signed and completed") {
        const auto actions = audit_actions_for(t.w, t.id);
        for (const std::string action :
             {"envelope.send", "envelope.view", "esign.consent", "envelope.sign", "envelope.complete"}) {
            INFO(action);
            CHECK(contains(actions, action));
        }
        CHECK(std::count(actions.begin(), actions.end(), "envelope.sign") == 2);
    }
    SECTION("the audit log still verifies after the signing") {
        const auto v = t.w.clinician_cli.run({"--json", "audit", "verify"});
        INFO(v.out << v.err);
        CHECK(v.exit_code == 0);
    }
    SECTION("the clinician downloads the executed copy") {
        const std::string out = t.w.path("clinician.pdf");
        const auto got = t.w.clinician_cli.run({"envelope", "download", t.id, "-o", out});
        INFO(got.out << got.err);
        CHECK(got.exit_code == 0);
        CHECK(kvtest::read_file(out) == executed);
    }
    SECTION("a party from another case cannot see the envelope or its copy (404)") {
        const std::string other_case = t.w.open_case("Another family");
        const Signer outsider = t.w.join("parent", "Noor Haddad", "noor.haddad@example.org", other_case);
        CHECK(outsider.api.get("/api/v1/envelopes/" + t.id).status == 404);
        CHECK(outsider.api.get("/api/v1/documents/" + str(done, "document_id") + "/content").status == 404);
        const auto got = outsider.cli.run({"envelope", "download", t.id, "-o", t.w.path("outsider.pdf")});
        CHECK(got.exit_code == 4);
        CHECK_FALSE(std::filesystem::exists(t.w.path("outsider.pdf")));
    }
    SECTION("a party of the case who is not a signer cannot see the envelope or its copy (404)") {
        const Signer therapist = t.w.join("child-therapist", "Priya Raman", "priya.raman@example.org");
        CHECK(therapist.api.get("/api/v1/envelopes/" + t.id).status == 404);
        CHECK(therapist.api.get("/api/v1/documents/" + str(done, "document_id") + "/content").status == 404);
        const auto got = therapist.cli.run({"envelope", "download", t.id, "-o", t.w.path("therapist.pdf")});
        CHECK(got.exit_code == 4);
    }
}

// Issue 4 item 6: "Every party to the envelope gets access to the executed copy (through the release
// engine)." The signers' own `kinvault envelope download` goes through GET /documents/{id}/content.
TEST_CASE("Every signer downloads the executed copy with kinvault envelope download",
          "[integration][signing]") {
    TwoStep t;
    sign_over_api(t.mother, t.id);
    REQUIRE(sign_with_cli(t.father, t.id).exit_code == 0);
    const std::string executed = view(t.w.clinician, t.id).pdf;
    for (const Signer* s : {&t.mother, &t.father}) {
        const std::string out = t.w.path(s->email + ".pdf");
        const auto got = s->cli.run({"envelope", "download", t.id, "-o", out});
        INFO(s->name << ": " << got.out << got.err);
        CHECK(got.exit_code == 0);
        CHECK(kvtest::read_file(out) == executed);
    }
}

TEST_CASE("A declined envelope stays unsigned and says so in status, list and document",
          "[integration][signing]") {
    TwoStep t;
    const int before = t.version();
    const auto declined =
        t.mother.cli.run({"envelope", "decline", t.id, "--reason", "The fee split is not what we agreed"});
    INFO(declined.out << declined.err);
    REQUIRE(declined.exit_code == 0);
    SECTION("status says declined, by whom and why") {
        const auto e = t.status();
        CHECK(str(e, "state") == "declined");
        CHECK(str(signer_entry(e, "mother"), "state") == "declined");
        CHECK(str(signer_entry(e, "mother"), "decline_reason") == "The fee split is not what we agreed");
        const auto shown = t.w.clinician_cli.run({"envelope", "status", t.id});
        CHECK(has(shown.out, "State    declined"));
        CHECK(has(shown.out, "declined: The fee split is not what we agreed"));
    }
    SECTION("the list says declined with nobody signed") {
        const auto listed = t.w.clinician_cli.run({"envelope", "list", t.w.case_id});
        INFO(listed.out);
        const std::string row = listed.out.substr(listed.out.find(t.id));
        CHECK(has(row.substr(0, row.find('\n')), "declined"));
        CHECK(has(row.substr(0, row.find('\n')), "0/2"));
    }
    SECTION("the document carries no signature") {
        CHECK(t.version() == before);
        const std::string path = t.w.path("declined.pdf");
        kvtest::write_file(path, document_bytes(t.w, str(t.sent, "document_id")));
        CHECK(has(pdfsig(path), "does not contain any signatures"));
        CHECK(cut_signatures(kvtest::read_file(path)).empty());
    }
    SECTION("nobody can sign it any more") {
        const Viewed v = view(t.father.api, t.id);
        REQUIRE(consent(t.father.api, t.id).status == 204);
        const auto r = sign(t.father.api, t.id, sign_body(v.sha256, t.father.password, t.father.name));
        CHECK(r.status == 409);
        CHECK(has(error_message(r), "declined"));
        CHECK(t.version() == before);
    }
    SECTION("the audit log records the decline") {
        CHECK(contains(audit_actions_for(t.w, t.id), "envelope.decline"));
    }
}

TEST_CASE("A voided envelope stays unsigned and says so in status, list and document",
          "[integration][signing]") {
    TwoStep t;
    sign_over_api(t.mother, t.id);
    const int before = t.version();
    const auto voided =
        t.w.clinician_cli.run({"envelope", "void", t.id, "--reason", "Sent the wrong schedule"});
    INFO(voided.out << voided.err);
    REQUIRE(voided.exit_code == 0);
    SECTION("status says voided and why") {
        const auto e = t.status();
        CHECK(str(e, "state") == "voided");
        CHECK(str(e, "void_reason") == "Sent the wrong schedule");
        CHECK(has(t.w.clinician_cli.run({"envelope", "status", t.id}).out, "State    voided"));
    }
    SECTION("the list says voided") {
        const auto listed = t.w.clinician_cli.run({"envelope", "list", t.w.case_id});
        const std::string row = listed.out.substr(listed.out.find(t.id));
        CHECK(has(row.substr(0, row.find('\n')), "voided"));
    }
    SECTION("nobody can sign it any more and it is never completed") {
        const Viewed v = view(t.father.api, t.id);
        REQUIRE(consent(t.father.api, t.id).status == 204);
        const auto r = sign(t.father.api, t.id, sign_body(v.sha256, t.father.password, t.father.name));
        CHECK(r.status == 409);
        CHECK(has(error_message(r), "voided"));
        CHECK(t.version() == before);
        CHECK(str(t.status(), "certificate_document_id").empty());
    }
    SECTION("the signers who were told about it are told it was withdrawn") {
        const auto kinds = outbox_kinds(t.w, t.w.case_id);
        CHECK(contains(kinds, "voided"));
    }
}

TEST_CASE("A voided envelope's document carries no signature when voided before anyone signed",
          "[integration][signing]") {
    TwoStep t;
    REQUIRE(t.w.clinician_cli.run({"envelope", "void", t.id, "--reason", "Wrong document"}).exit_code == 0);
    const std::string path = t.w.path("voided.pdf");
    kvtest::write_file(path, document_bytes(t.w, str(t.sent, "document_id")));
    CHECK(has(pdfsig(path), "does not contain any signatures"));
    CHECK(kvtest::read_file(path) == t.original);
}

// The shortest expiry is one day and kinvaultd reads the system clock, so an envelope cannot be made to
// expire inside a test; what can be checked is the deadline it is given and the limits on it.
TEST_CASE("An envelope's expiry is set from expires_in_days when it is sent", "[integration][signing]") {
    World w;
    const Signer mother = w.join("parent", "Maya Okafor", "maya.okafor@example.org");
    SECTION("one day after sending") {
        const auto e = document_envelope(w, kvtest::make_pdf("EXPIRY", 1),
                                         {{"mother", mother.party_id, 1, "", ""}}, true, 1);
        CHECK(str(e, "state") == "sent");
        const std::string sent = str(e, "sent_at");
        const std::string expires = str(e, "expires_at");
        REQUIRE(sent.size() >= 10);
        CHECK(expires.substr(10) == sent.substr(10));       // same time of day ...
        CHECK(expires.substr(0, 10) != sent.substr(0, 10)); // ... on the next day
    }
    SECTION("zero days is refused") {
        const auto up = w.clinician.request("POST", "/api/v1/cases/" + w.case_id + "/documents?type=other",
                                            kvtest::make_pdf("EXPIRY", 1), "application/pdf");
        REQUIRE(up.status == 201);
        Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
        body->set("document", str(up.json(), "id"));
        body->set("signers", signer_specs({{"mother", mother.party_id, 1, "", ""}}));
        body->set("expires_in_days", 0);
        const auto r = w.clinician.post_json("/api/v1/cases/" + w.case_id + "/envelopes", body);
        CHECK(r.status == 400);
        CHECK(has(error_message(r), "expires_in_days"));
    }
}

TEST_CASE("Withdrawing consent stops signing until consent is given again", "[integration][signing]") {
    TwoStep t;
    const Viewed v = view(t.mother.api, t.id);
    REQUIRE(consent(t.mother.api, t.id).status == 204);
    const int before = t.version();
    SECTION("through POST /api/v1/esign/withdraw") {
        REQUIRE(t.mother.api.request("POST", "/api/v1/esign/withdraw").status == 204);
        const auto refused = sign(t.mother.api, t.id, sign_body(v.sha256, t.mother.password, t.mother.name));
        CHECK(refused.status == 409);
        CHECK(has(error_message(refused), "withdrew your consent"));
        CHECK(t.version() == before);
        REQUIRE(consent(t.mother.api, t.id).status == 204);
        const auto signed_now =
            sign(t.mother.api, t.id, sign_body(v.sha256, t.mother.password, t.mother.name));
        INFO(signed_now.body);
        CHECK(signed_now.status == 200);
        CHECK(t.version() > before);
    }
    SECTION("through the envelope's consent/withdraw route") {
        REQUIRE(t.mother.api.request("POST", "/api/v1/envelopes/" + t.id + "/consent/withdraw").status ==
                204);
        const auto refused = sign(t.mother.api, t.id, sign_body(v.sha256, t.mother.password, t.mother.name));
        CHECK(refused.status == 409);
        CHECK(has(error_message(refused), "withdrew your consent"));
        CHECK(t.version() == before);
    }
    SECTION("the withdrawal is audited") {
        REQUIRE(t.mother.api.request("POST", "/api/v1/esign/withdraw").status == 204);
        bool found = false;
        for (const auto& e : audit_entries(t.w)) {
            found = found || str(e, "action") == "esign.withdraw";
        }
        CHECK(found);
    }
}

TEST_CASE("Reminders land in the notification outbox for the signers whose turn it is",
          "[integration][signing]") {
    TwoStep t;
    const auto before = outbox_kinds(t.w, t.w.case_id);
    CHECK(std::count(before.begin(), before.end(), "signing-request") == 1); // only group 1 was asked
    const auto reminded = t.w.clinician_cli.run({"envelope", "remind", t.id});
    INFO(reminded.out << reminded.err);
    REQUIRE(reminded.exit_code == 0);
    SECTION("one reminder is queued, for the one signer of group 1") {
        const auto after = outbox_kinds(t.w, t.w.case_id);
        CHECK(std::count(after.begin(), after.end(), "reminder") == 1);
    }
    SECTION("the reminder is in the envelope's events and the audit log") {
        CHECK(contains(event_types(t.status()), "reminded"));
        CHECK(contains(audit_actions_for(t.w, t.id), "envelope.remind"));
    }
    SECTION("a parent cannot send reminders") {
        const auto r = t.mother.api.request("POST", "/api/v1/envelopes/" + t.id + "/remind");
        CHECK(r.status == 404);
    }
}
