// The foundation story through the HTTP API of a real kinvaultd: sign-in, cases, parties and invitations,
// documents and their versions, the audit log with its proofs, and sign-out.
#include "integration_util.h"

#include "common/hex.h"
#include "crypto/merkle.h"

#include <sstream>

using namespace kvtest;

namespace {

constexpr const char* k_parent_email = "maria.rivera@example.org";
constexpr const char* k_parent_password = "maria-password-42";

struct Story {
    Daemon daemon;
    Client clinician{daemon.url(), daemon.ca_path()};
    Client anonymous{daemon.url(), daemon.ca_path()};
    Story() { clinician.login(k_clinician_email, k_clinician_password); }
};

// Parses a C2SP tlog-checkpoint note body: origin, size, base64 root.
struct CheckpointText {
    std::string origin;
    std::uint64_t size{0};
    kinvault::crypto::Hash root{};
};

CheckpointText parse_checkpoint(const std::string& note) {
    std::istringstream in(note);
    CheckpointText c;
    std::string size_line;
    std::string root_line;
    std::getline(in, c.origin);
    std::getline(in, size_line);
    std::getline(in, root_line);
    c.size = std::stoull(size_line);
    const auto root = kinvault::from_base64(root_line);
    REQUIRE(root.has_value());
    REQUIRE(root->size() == 32);
    std::copy(root->begin(), root->end(), c.root.begin());
    return c;
}

std::vector<kinvault::crypto::Hash> proof_hashes(const Response& r) {
    std::vector<kinvault::crypto::Hash> out;
    const auto proof = r.json()->getArray("proof");
    for (const auto& v : *proof) {
        const auto bytes = kinvault::from_base64(v.convert<std::string>());
        REQUIRE(bytes.has_value());
        REQUIRE(bytes->size() == 32);
        kinvault::crypto::Hash h{};
        std::copy(bytes->begin(), bytes->end(), h.begin());
        out.push_back(h);
    }
    return out;
}

} // namespace

TEST_CASE("the foundation story runs end to end through the HTTP API", "[integration][api]") {
    Story s;
    const std::string case_id = create_case(s.clinician, "Rivera family", "open");

    SECTION("a signed-in clinician is told who they are") {
        const Response me = s.clinician.get("/api/v1/me");
        REQUIRE(me.status == 200);
        CHECK(me.json()->getValue<std::string>("email") == k_clinician_email);
        CHECK(me.json()->getValue<std::string>("kind") == "clinician");
        CHECK(me.json()->getValue<std::string>("name") == "Dana Clinician");
    }

    SECTION("a new case is listed and shown with its name and process mode") {
        CHECK(contains(ids_of(s.clinician.get("/api/v1/cases")), case_id));
        const Response shown = s.clinician.get("/api/v1/cases/" + case_id);
        REQUIRE(shown.status == 200);
        CHECK(shown.json()->getValue<std::string>("name") == "Rivera family");
        CHECK(shown.json()->getValue<std::string>("mode") == "open");
        CHECK(shown.json()->getArray("my_roles")->getElement<std::string>(0) == "clinician");
    }

    SECTION("an invited party appears as invited, and joins through the link's token") {
        const Response invited = s.clinician.post_json(
            "/api/v1/cases/" + case_id + "/parties",
            obj({{"role", "parent"}, {"name", "Maria Rivera"}, {"email", k_parent_email}}));
        REQUIRE(invited.status == 201);
        const std::string token = invited.json()->getValue<std::string>("token");
        const std::string party_id = invited.json()->getObject("party")->getValue<std::string>("id");
        CHECK(invited.json()->getValue<std::string>("link") == s.daemon.url() + "/invite#" + token);

        auto party_status = [&] {
            const auto parties = items_of(s.clinician.get("/api/v1/cases/" + case_id + "/parties"));
            for (const auto& v : *parties) {
                const auto p = v.extract<Poco::JSON::Object::Ptr>();
                if (field(p, "id") == party_id) {
                    return field(p, "status") + "/" + field(p, "has_account");
                }
            }
            return std::string("missing");
        };
        CHECK(party_status() == "invited/false");

        const Response peek = s.anonymous.post_json("/api/v1/invitations/peek", obj({{"token", token}}));
        REQUIRE(peek.status == 200);
        CHECK(peek.json()->getValue<std::string>("name") == "Maria Rivera");
        CHECK(peek.json()->getValue<std::string>("email") == k_parent_email);
        CHECK(peek.json()->getValue<std::string>("role") == "parent");
        CHECK_FALSE(peek.json()->getValue<bool>("account_exists"));

        const Response accepted = s.anonymous.post_json(
            "/api/v1/invitations/accept", obj({{"token", token}, {"password", k_parent_password}}));
        REQUIRE(accepted.status == 201);
        CHECK(accepted.json()->getObject("user")->getValue<std::string>("email") == k_parent_email);
        CHECK(party_status() == "active/true");

        Client parent(s.daemon.url(), s.daemon.ca_path());
        parent.login(k_parent_email, k_parent_password);
        CHECK(contains(ids_of(parent.get("/api/v1/cases")), case_id));
    }

    SECTION("a re-invitation gives the party a fresh link that works") {
        const Response invited = s.clinician.post_json(
            "/api/v1/cases/" + case_id + "/parties",
            obj({{"role", "parent"}, {"name", "Maria Rivera"}, {"email", k_parent_email}}));
        REQUIRE(invited.status == 201);
        const std::string party_id = invited.json()->getObject("party")->getValue<std::string>("id");
        const Response again = s.clinician.request("POST", "/api/v1/parties/" + party_id + "/invitation");
        REQUIRE(again.status == 201);
        const std::string fresh = again.json()->getValue<std::string>("token");
        CHECK(fresh != invited.json()->getValue<std::string>("token"));
        const Response accepted = s.anonymous.post_json(
            "/api/v1/invitations/accept", obj({{"token", fresh}, {"password", k_parent_password}}));
        CHECK(accepted.status == 201);
    }

    SECTION("an upload is listed, described and downloaded byte for byte") {
        const Joined parent_join =
            join_case(s.clinician, case_id, "parent", "Maria Rivera", k_parent_email, k_parent_password);
        Client parent(s.daemon.url(), s.daemon.ca_path());
        parent.set_token(parent_join.token);
        const std::string pdf = make_pdf("RIVERA-ORDER-1", 3);
        const Response up =
            upload_document(parent, case_id, "court-order", pdf, "Custody order 2024", "order.pdf");
        INFO(up.body);
        REQUIRE(up.status == 201);
        const std::string doc_id = up.json()->getValue<std::string>("id");
        CHECK(up.headers.at("Location") == "/api/v1/documents/" + doc_id);

        CHECK(contains(ids_of(s.clinician.get("/api/v1/cases/" + case_id + "/documents")), doc_id));
        const Response meta = s.clinician.get("/api/v1/documents/" + doc_id);
        REQUIRE(meta.status == 200);
        const auto m = meta.json();
        CHECK(field(m, "title") == "Custody order 2024");
        CHECK(field(m, "filename") == "order.pdf");
        CHECK(field(m, "type") == "court-order");
        CHECK(field(m, "case_id") == case_id);
        CHECK(m->getValue<int>("pages") == 3);
        CHECK(m->getValue<std::uint64_t>("size") == pdf.size());
        CHECK(field(m, "sha256") == sha256_hex(pdf));
        CHECK(field(m, "uploaded_by") == parent_join.user_id);
        CHECK(m->getValue<int>("version") == 1);

        const Response content = s.clinician.get("/api/v1/documents/" + doc_id + "/content");
        REQUIRE(content.status == 200);
        CHECK(content.body == pdf);
        CHECK(content.headers.at("Content-Type") == "application/pdf");
        CHECK(content.headers.at("X-Kinvault-SHA256") == sha256_hex(pdf));
        CHECK(content.headers.at("Content-Disposition").find("order.pdf") != std::string::npos);
    }

    SECTION("a second version supersedes the first, which stays retrievable by the clinician") {
        const std::string v1 = make_pdf("AGREEMENT-DRAFT-ONE", 1);
        const std::string v2 = make_pdf("AGREEMENT-DRAFT-TWO", 2);
        const Response up = upload_document(s.clinician, case_id, "reunification-agreement", v1, "Agreement");
        REQUIRE(up.status == 201);
        const std::string doc_id = up.json()->getValue<std::string>("id");
        const Response second =
            s.clinician.request("POST", "/api/v1/documents/" + doc_id + "/versions", v2, "application/pdf");
        INFO(second.body);
        REQUIRE(second.status == 201);
        CHECK(second.json()->getValue<int>("version") == 2);

        const auto versions = items_of(s.clinician.get("/api/v1/documents/" + doc_id + "/versions"));
        REQUIRE(versions->size() == 2);
        CHECK(s.clinician.get("/api/v1/documents/" + doc_id + "/content").body == v2);
        CHECK(s.clinician.get("/api/v1/documents/" + doc_id + "/content?version=1").body == v1);
        CHECK(s.clinician.get("/api/v1/documents/" + doc_id).json()->getValue<int>("current_version") == 2);
    }

    SECTION("the audit log serves entries, a signed checkpoint and proofs that verify against it") {
        (void)s.clinician.get("/api/v1/cases/" + case_id + "/documents");
        const Response cp = s.clinician.get("/api/v1/audit/checkpoint");
        REQUIRE(cp.status == 200);
        const CheckpointText checkpoint = parse_checkpoint(cp.json()->getValue<std::string>("checkpoint"));
        CHECK(checkpoint.origin == cp.json()->getValue<std::string>("origin"));
        REQUIRE(checkpoint.size >= 4);

        const Response entries =
            s.clinician.get("/api/v1/audit/entries?from=0&count=" + std::to_string(checkpoint.size));
        const auto rows = items_of(entries);
        REQUIRE(rows->size() == checkpoint.size);
        std::vector<kinvault::crypto::Hash> leaves;
        for (const auto& v : *rows) {
            const std::string entry = v.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("entry");
            leaves.push_back(kinvault::crypto::merkle_leaf_hash(
                reinterpret_cast<const std::uint8_t*>(entry.data()), entry.size()));
        }
        CHECK(kinvault::crypto::merkle_root(leaves) == checkpoint.root);

        const std::uint64_t index = checkpoint.size / 2;
        const Response inclusion =
            s.clinician.get("/api/v1/audit/proof/inclusion?index=" + std::to_string(index) +
                            "&size=" + std::to_string(checkpoint.size));
        REQUIRE(inclusion.status == 200);
        CHECK(kinvault::crypto::verify_inclusion(leaves[index], index, checkpoint.size,
                                                 proof_hashes(inclusion), checkpoint.root));

        const std::uint64_t first = checkpoint.size - 3;
        const Response consistency =
            s.clinician.get("/api/v1/audit/proof/consistency?first=" + std::to_string(first) +
                            "&second=" + std::to_string(checkpoint.size));
        REQUIRE(consistency.status == 200);
        const std::vector<kinvault::crypto::Hash> old_leaves(leaves.begin(),
                                                             leaves.begin() + static_cast<long>(first));
        CHECK(kinvault::crypto::verify_consistency(first, checkpoint.size,
                                                   kinvault::crypto::merkle_root(old_leaves), checkpoint.root,
                                                   proof_hashes(consistency)));
    }

    SECTION("signing out ends the session") {
        const Response out = s.clinician.request("DELETE", "/api/v1/sessions/current");
        CHECK(out.status == 204);
        const Response me = s.clinician.get("/api/v1/me");
        CHECK(me.status == 401);
        CHECK(me.error_code() == "unauthenticated");
    }
}

TEST_CASE("every API error has the shape {error:{code,message}}", "[integration][api]") {
    Story s;
    const Response missing = s.clinician.get("/api/v1/documents/doc_does_not_exist");
    const Response unauthenticated = s.anonymous.get("/api/v1/me");
    const Response bad_json = s.clinician.request("POST", "/api/v1/cases", "{not json");
    for (const Response* r : {&missing, &unauthenticated, &bad_json}) {
        INFO(r->status << " " << r->body);
        CHECK(r->status >= 400);
        const auto error = r->json()->getObject("error");
        REQUIRE(error);
        CHECK_FALSE(field(error, "code").empty());
        CHECK_FALSE(field(error, "message").empty());
    }
    CHECK(missing.error_code() == "not_found");
    CHECK(unauthenticated.error_code() == "unauthenticated");
    CHECK(bad_json.error_code() == "invalid_input");
}
