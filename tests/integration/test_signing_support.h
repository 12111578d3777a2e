// Shared by the e-signing integration tests (issue 4): a running kinvaultd with a case, its clinician and
// signers who joined by invitation, the envelope API steps (view, consent, sign), and checks of signed PDFs
// with tools we did not write: poppler's pdfsig and pdftotext, openssl cms, qpdf. Only the helpers of
// tests/support/daemon.h that every integration test uses are relied on here.
#pragma once

#include "daemon.h"

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>
#include <Poco/URI.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace kvsign {

// ------------------------------------------------------------------------------------------------ small
// helpers

inline std::string sha256_hex(const std::string& bytes) {
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(bytes);
    return Poco::DigestEngine::digestToHex(engine.digest());
}

inline std::string str(const Poco::JSON::Object::Ptr& o, const std::string& key) {
    return o && o->has(key) && !o->isNull(key) ? o->get(key).convert<std::string>() : std::string();
}

inline int occurrences(const std::string& haystack, const std::string& needle) {
    int n = 0;
    for (std::size_t at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

inline bool has(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Text with every run of white space made one space, so words wrapped across lines still match.
inline std::string squeeze(const std::string& text) {
    std::string out;
    bool space = false;
    for (const char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            space = true;
            continue;
        }
        if (space && !out.empty()) {
            out += ' ';
        }
        space = false;
        out += c;
    }
    return out;
}

inline Poco::JSON::Object::Ptr parse_object(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

inline Poco::JSON::Array::Ptr parse_array(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Poco::JSON::Array::Ptr>();
}

inline std::string error_message(const kvtest::Response& r) {
    try {
        return r.json()->getObject("error")->getValue<std::string>("message");
    } catch (const Poco::Exception&) {
        return "";
    }
}

inline std::string encode(const std::string& text) {
    std::string out;
    Poco::URI::encode(text, "!#$&'()*+,/:;=?@[]\"% ", out);
    return out;
}

// Runs a tool from /usr/bin (run_process execs without a PATH search).
inline kvtest::ProcessResult tool(std::vector<std::string> argv, const std::string& stdin_text = "") {
    argv.front() = "/usr/bin/" + argv.front();
    return kvtest::run_process(argv, {}, stdin_text);
}

// ------------------------------------------------------------------------------------------------ people

struct Signer {
    std::string name;
    std::string email;
    std::string password;
    std::string party_id;
    kvtest::Client api;
    kvtest::CliUser cli;
};

// A daemon, a case opened by its clinician (signed in over the API and through the CLI), and helpers to
// bring people into the case.
class World {
public:
    explicit World(kvtest::DaemonOptions options = {})
        : daemon(std::move(options)), clinician(daemon.url(), daemon.ca_path()),
          clinician_cli(dir.path() + "/clinician", kvtest::k_clinician_password) {
        clinician.login(kvtest::k_clinician_email, kvtest::k_clinician_password);
        login_cli(clinician_cli, kvtest::k_clinician_email);
        case_id = open_case("Okafor-Lindqvist family");
        const auto parties = clinician.get("/api/v1/cases/" + case_id + "/parties");
        INFO(parties.body);
        REQUIRE(parties.status == 200);
        const auto all = list_of(parties.body); // keeps the array alive for the loop
        for (const auto& p : *all) {
            const auto party = p.extract<Poco::JSON::Object::Ptr>();
            if (str(party, "role") == "clinician") {
                clinician_party = str(party, "id");
            }
        }
        REQUIRE_FALSE(clinician_party.empty());
    }

    kvtest::Daemon daemon;
    kvtest::TempDir dir{"kvsign"};
    kvtest::Client clinician;
    kvtest::CliUser clinician_cli;
    std::string case_id;
    std::string clinician_party;

    [[nodiscard]] std::string path(const std::string& name) const { return dir.path() + "/" + name; }
    [[nodiscard]] std::string root_ca() const { return daemon.ca_path(); }

    std::string open_case(const std::string& name) const {
        const auto r =
            clinician.post_json("/api/v1/cases", kvtest::obj({{"name", name}, {"mode", "closed"}}));
        INFO(r.body);
        REQUIRE(r.status == 201);
        return str(r.json(), "id");
    }

    // The clinician invites a party into `in_case` (default: the world's case), the party accepts with a
    // password, and signs in on the API and through the CLI.
    Signer join(const std::string& role, const std::string& name, const std::string& email,
                const std::string& in_case = "") const {
        const std::string target = in_case.empty() ? case_id : in_case;
        const auto invited =
            clinician.post_json("/api/v1/cases/" + target + "/parties",
                                kvtest::obj({{"role", role}, {"name", name}, {"email", email}}));
        INFO(invited.body);
        REQUIRE(invited.status == 201);
        const std::string password = "pw-" + email.substr(0, email.find('@')) + "-passphrase-2026";
        kvtest::Client anonymous(daemon.url(), daemon.ca_path());
        const auto accepted = anonymous.post_json(
            "/api/v1/invitations/accept",
            kvtest::obj({{"token", str(invited.json(), "token")}, {"password", password}}));
        INFO(accepted.body);
        REQUIRE(accepted.status == 201);
        Signer s{name,
                 email,
                 password,
                 str(invited.json()->getObject("party"), "id"),
                 kvtest::Client(daemon.url(), daemon.ca_path()),
                 kvtest::CliUser(dir.path() + "/" + email, password)};
        s.api.set_token(str(accepted.json(), "token"));
        login_cli(s.cli, email);
        return s;
    }

    void login_cli(const kvtest::CliUser& user, const std::string& email) const {
        const auto r = user.run({"--server", daemon.url(), "--ca", daemon.ca_path(), "login", email});
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
    }

    // A list answer: either a bare array or {"items": [...]}.
    static Poco::JSON::Array::Ptr list_of(const std::string& body) {
        Poco::JSON::Parser parser;
        const auto v = parser.parse(body);
        if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
            return v.extract<Poco::JSON::Array::Ptr>();
        }
        return v.extract<Poco::JSON::Object::Ptr>()->getArray("items");
    }
};

// ------------------------------------------------------------------------------------------------ envelopes

struct SignerSpec {
    std::string slot;
    std::string party;
    int group{1};
    std::string capacity;
    std::string authority;
};

inline Poco::JSON::Array::Ptr signer_specs(const std::vector<SignerSpec>& specs) {
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
    for (const auto& s : specs) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("slot", s.slot);
        o->set("party", s.party);
        o->set("group", s.group);
        if (!s.capacity.empty()) {
            o->set("capacity", s.capacity);
        }
        if (!s.authority.empty()) {
            o->set("authority", s.authority);
        }
        a->add(o);
    }
    return a;
}

// Uploads `pdf` into the case and creates an envelope on it (signature boxes at their default places);
// returns the envelope JSON. `send` sends it at once.
inline Poco::JSON::Object::Ptr document_envelope(const World& w, const std::string& pdf,
                                                 const std::vector<SignerSpec>& specs, bool send = true,
                                                 int expires_in_days = 14) {
    const auto up = w.clinician.request("POST",
                                        "/api/v1/cases/" + w.case_id + "/documents?type=other&title=" +
                                            encode("Session schedule") + "&filename=schedule.pdf",
                                        pdf, "application/pdf");
    INFO(up.body);
    REQUIRE(up.status == 201);
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("document", str(up.json(), "id"));
    body->set("signers", signer_specs(specs));
    body->set("expires_in_days", expires_in_days);
    const auto created = w.clinician.post_json("/api/v1/cases/" + w.case_id + "/envelopes", body);
    INFO(created.body);
    REQUIRE(created.status == 201);
    auto e = created.json();
    if (send) {
        const auto sent = w.clinician.request("POST", "/api/v1/envelopes/" + str(e, "id") + "/send");
        INFO(sent.body);
        REQUIRE(sent.status == 200);
        e = sent.json();
    }
    return e;
}

inline Poco::JSON::Object::Ptr envelope(const kvtest::Client& as, const std::string& id) {
    const auto r = as.get("/api/v1/envelopes/" + id);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.json();
}

inline Poco::JSON::Object::Ptr signer_entry(const Poco::JSON::Object::Ptr& e, const std::string& slot) {
    for (const auto& v : *e->getArray("signers")) {
        const auto s = v.extract<Poco::JSON::Object::Ptr>();
        if (str(s, "slot") == slot) {
            return s;
        }
    }
    FAIL("no signer slot " << slot);
    return nullptr;
}

struct Viewed {
    int status{0};
    std::string sha256; // as the server states it
    std::string pdf;
};

// GET /envelopes/{id}/document: the exact bytes the signer is asked to sign (records "opened").
inline Viewed view(const kvtest::Client& as, const std::string& id) {
    const auto r = as.get("/api/v1/envelopes/" + id + "/document");
    Viewed v;
    v.status = r.status;
    v.pdf = r.body;
    const auto it = r.headers.find("X-Kinvault-SHA256");
    v.sha256 = it == r.headers.end() ? "" : it->second;
    return v;
}

inline std::string disclosure_version(const kvtest::Client& as) {
    const auto r = as.get("/api/v1/esign/disclosure");
    REQUIRE(r.status == 200);
    return str(r.json(), "version");
}

inline kvtest::Response consent(const kvtest::Client& as, const std::string& id) {
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("disclosure_version", disclosure_version(as));
    body->set("accept", true);
    return as.post_json("/api/v1/envelopes/" + id + "/consent", body);
}

inline Poco::JSON::Object::Ptr sign_body(const std::string& viewed_sha256, const std::string& password,
                                         const std::string& typed, bool intent = true) {
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("viewed_sha256", viewed_sha256);
    body->set("intent", intent);
    body->set("typed_signature", typed);
    body->set("password", password);
    return body;
}

inline kvtest::Response sign(const kvtest::Client& as, const std::string& id,
                             const Poco::JSON::Object::Ptr& body) {
    return as.post_json("/api/v1/envelopes/" + id + "/sign", body);
}

// View, consent and sign over the API; REQUIREs each step to succeed and returns the envelope after.
inline Poco::JSON::Object::Ptr sign_over_api(const Signer& s, const std::string& id) {
    const Viewed v = view(s.api, id);
    REQUIRE(v.status == 200);
    const auto c = consent(s.api, id);
    INFO(c.body);
    REQUIRE(c.status == 204);
    const auto r = sign(s.api, id, sign_body(v.sha256, s.password, s.name));
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.json();
}

// `kinvault envelope sign` with consent, intent and the typed signature on the command line (password from
// KINVAULT_PASSWORD).
inline kvtest::ProcessResult sign_with_cli(const Signer& s, const std::string& id,
                                           const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--json",   "envelope",          "sign", id, "--accept-disclosure",
                                  "--intent", "--typed-signature", s.name};
    args.insert(args.end(), extra.begin(), extra.end());
    return s.cli.run(args);
}

// The clinician's copy of a document (GET /documents/{id}/content).
inline std::string document_bytes(const World& w, const std::string& document_id) {
    const auto r = w.clinician.get("/api/v1/documents/" + document_id + "/content");
    INFO(r.body.substr(0, 300));
    REQUIRE(r.status == 200);
    return r.body;
}

// ------------------------------------------------------------------------------------------------ PDF checks

// One signature found independently of Kinvault's own parser: each /ByteRange located by a plain text
// search, the covered bytes cut out, and the DER in /Contents decoded from hex and cut to its own length
// (the placeholder is zero-padded).
struct CutSignature {
    std::array<unsigned long long, 4> range{};
    std::string covered;
    std::string der;
};

inline std::vector<CutSignature> cut_signatures(const std::string& pdf) {
    std::vector<CutSignature> out;
    for (std::size_t at = pdf.find("/ByteRange"); at != std::string::npos;
         at = pdf.find("/ByteRange", at + 1)) {
        const char* p = pdf.c_str() + at + 10;
        while (*p == ' ' || *p == '[') {
            ++p;
        }
        CutSignature s;
        bool parsed = true;
        for (auto& n : s.range) {
            char* end = nullptr;
            n = std::strtoull(p, &end, 10);
            parsed = parsed && end != p;
            p = end;
            while (*p == ' ') {
                ++p;
            }
        }
        const auto& r = s.range;
        if (!parsed || r[2] + r[3] > pdf.size() || r[1] >= r[2] ||
            std::any_of(out.begin(), out.end(), [&](const CutSignature& o) { return o.range == r; })) {
            continue; // a placeholder's template text, or a range seen before in a later revision
        }
        s.covered = pdf.substr(0, r[1]) + pdf.substr(r[2], r[3]);
        const std::string hex = pdf.substr(r[1] + 1, r[2] - r[1] - 2); // inside < >
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
            s.der += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
        }
        // DER length of the outer SEQUENCE (ITU-T X.690 8.1.3): short form, or long form with 1-3 octets.
        std::size_t length = s.der.size();
        const auto octet = [&](std::size_t i) { return static_cast<unsigned char>(s.der[i]); };
        if (s.der.size() > 2 && octet(1) < 0x80) {
            length = 2 + octet(1);
        } else if (s.der.size() > 5 && octet(1) > 0x80 && octet(1) <= 0x83) {
            const std::size_t count = octet(1) & 0x7Fu;
            std::size_t value = 0;
            for (std::size_t i = 0; i < count; ++i) {
                value = value << 8 | octet(2 + i);
            }
            length = 2 + count + value;
        }
        s.der.resize(std::min(length, s.der.size()));
        out.push_back(std::move(s));
    }
    return out;
}

inline std::string pdfsig(const std::string& pdf_path) {
    const auto r = tool({"pdfsig", "-nocert", pdf_path});
    return r.out + r.err;
}

inline kvtest::ProcessResult qpdf_check(const std::string& pdf_path) {
    return tool({"qpdf", "--check", pdf_path});
}

// openssl cms -verify -cades over one signature's covered bytes, trusting only `root_pem_path`.
inline kvtest::ProcessResult openssl_verify(const CutSignature& s, const std::string& root_pem_path,
                                            const std::string& scratch_dir) {
    const std::string der = scratch_dir + "/sig.der";
    const std::string content = scratch_dir + "/sig.content";
    kvtest::write_file(der, s.der);
    kvtest::write_file(content, s.covered);
    auto r = tool({"openssl", "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", der, "-content",
                   content, "-CAfile", root_pem_path, "-purpose", "any", "-out", "/dev/null"});
    r.out += r.err;
    return r;
}

inline std::string pdftotext(const std::string& pdf_path) {
    const auto r = tool({"pdftotext", "-enc", "UTF-8", pdf_path, "-"});
    REQUIRE(r.exit_code == 0);
    return r.out;
}

// The text of the page content plus every widget's appearance (signature marks, stamped values): qpdf
// flattens the annotations into the pages, pdftotext reads the result.
inline std::string text_with_appearances(const std::string& pdf_path, const std::string& scratch_dir) {
    const std::string flat = scratch_dir + "/flattened.pdf";
    const auto r = tool({"qpdf", "--flatten-annotations=all", pdf_path, flat});
    INFO(r.out << r.err);
    REQUIRE((r.exit_code == 0 || r.exit_code == 3)); // 3: warnings only
    return pdftotext(flat);
}

// The blocks of `pdfsig -nocert` output, one per signature.
inline std::vector<std::string> pdfsig_blocks(const std::string& output) {
    std::vector<std::string> blocks;
    for (std::size_t at = output.find("Signature #"); at != std::string::npos;) {
        const std::size_t next = output.find("Signature #", at + 1);
        blocks.push_back(output.substr(at, next == std::string::npos ? std::string::npos : next - at));
        at = next;
    }
    return blocks;
}

// Changes one byte well inside the first revision (in the first stream's data, so the file still parses),
// which every signature covers.
inline std::string tamper_first_revision(const std::string& pdf) {
    const auto sigs = cut_signatures(pdf);
    REQUIRE_FALSE(sigs.empty());
    const std::size_t first_end =
        static_cast<std::size_t>(std::min_element(sigs.begin(), sigs.end(), [](const auto& a, const auto& b) {
                                     return a.range[1] < b.range[1];
                                 })->range[1]);
    const std::size_t stream = pdf.find("stream\n");
    REQUIRE(stream != std::string::npos);
    const std::size_t at = stream + 7 + 20;
    REQUIRE(at < first_end);
    std::string tampered = pdf;
    tampered[at] = static_cast<char>(tampered[at] ^ 0x20);
    return tampered;
}

} // namespace kvsign
