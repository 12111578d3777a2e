#include "client/commands.h"
#include "client/envelope_commands.h"
#include "client/output.h"
#include "common/file.h"
#include "crypto/cms.h"
#include "crypto/secret.h"
#include "crypto/secret_prompt.h"
#include "crypto/sha256.h"

#include <Poco/JSON/Array.h>

#include <cstdio>
#include <iostream>
#include <regex>
#include <sstream>

namespace kinvault::client {

namespace {

constexpr std::size_t k_max_pem = std::size_t{1024} * 1024;
constexpr std::size_t k_max_document = 2ULL * 1024 * 1024 * 1024;

// "name=value" and "list[2].key=value" into the API's values object.
Result<Poco::JSON::Object::Ptr> values_object(const std::vector<std::string>& assignments) {
    Poco::JSON::Object::Ptr fields = new Poco::JSON::Object();
    std::map<std::string, std::map<int, Poco::JSON::Object::Ptr>> lists;
    static const std::regex item(R"(^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]\.([A-Za-z0-9_.]+)$)");
    for (const auto& a : assignments) {
        const auto eq = a.find('=');
        if (eq == std::string::npos || eq == 0) {
            return make_error(Errc::invalid_input, "--value takes NAME=VALUE, not '" + a + "'");
        }
        const std::string key = a.substr(0, eq);
        const std::string value = a.substr(eq + 1);
        std::smatch m;
        if (std::regex_match(key, m, item)) {
            auto& entry = lists[m[1]][std::stoi(m[2])];
            if (!entry) {
                entry = new Poco::JSON::Object();
            }
            entry->set(m[3], value);
        } else {
            fields->set(key, value);
        }
    }
    Poco::JSON::Object::Ptr out = new Poco::JSON::Object();
    out->set("fields", fields);
    Poco::JSON::Object::Ptr lo = new Poco::JSON::Object();
    for (const auto& [name, entries] : lists) {
        Poco::JSON::Array::Ptr arr = new Poco::JSON::Array();
        for (const auto& [index, obj] : entries) {
            (void)index;
            arr->add(obj);
        }
        lo->set(name, arr);
    }
    out->set("lists", lo);
    return out;
}

void print_envelope(const Poco::JSON::Object::Ptr& e) {
    std::cout << "Envelope " << str(e, "id") << ": " << str(e, "title") << "\n"
              << "State    " << str(e, "state");
    if (!str(e, "expires_at").empty() && str(e, "state") == "sent") {
        std::cout << " (expires " << str(e, "expires_at") << ")";
    }
    std::cout << "\nDocument " << str(e, "document_id") << "\n";
    Table t({"GROUP", "SLOT", "SIGNER", "ROLE", "CAPACITY", "STATE", "SIGNED AT"});
    for (const auto& v : *e->getArray("signers")) {
        const auto& s = v.extract<Poco::JSON::Object::Ptr>();
        std::string state = str(s, "state");
        if (!str(s, "decline_reason").empty()) {
            state += ": " + str(s, "decline_reason");
        }
        t.row({str(s, "group"), str(s, "slot"), str(s, "name"), str(s, "role"), str(s, "capacity"), state,
               str(s, "signed_at")});
    }
    t.print();
    if (!str(e, "certificate_document_id").empty()) {
        std::cout << "Certificate of completion: " << str(e, "certificate_document_id") << "\n";
    }
}

int show(Cli& cli, const Result<Poco::JSON::Object::Ptr>& r) {
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
    } else {
        print_envelope(*r);
    }
    return exit_ok;
}

std::string ask(const std::string& prompt) {
    std::cerr << prompt << std::flush;
    std::string line;
    std::getline(std::cin, line);
    return line;
}

} // namespace

int cmd_template_list(Cli& cli) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("GET", "/api/v1/templates");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
        return exit_ok;
    }
    Table t({"NAME", "VERSION", "SIGNERS", "DESCRIPTION"});
    for (const auto& v : *items(*r)) {
        const auto& o = v.extract<Poco::JSON::Object::Ptr>();
        std::string slots;
        for (const auto& s : *o->getArray("signers")) {
            slots += (slots.empty() ? "" : ",") + str(s.extract<Poco::JSON::Object::Ptr>(), "slot");
        }
        t.row({str(o, "name"), str(o, "version"), slots, str(o, "description")});
    }
    t.print();
    return exit_ok;
}

int cmd_template_show(Cli& cli, const std::string& name) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("GET", "/api/v1/templates/" + url_encode(name));
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(*r);
        return exit_ok;
    }
    std::cout << str(*r, "name") << " v" << str(*r, "version") << ": " << str(*r, "description")
              << "\n\nSigner slots:\n";
    for (const auto& v : *(*r)->getArray("signers")) {
        const auto& s = v.extract<Poco::JSON::Object::Ptr>();
        std::cout << "  " << str(s, "slot") << "  " << str(s, "description") << "\n";
    }
    std::cout << "\nFields (--value NAME=VALUE; list entries as LIST[0].FIELD=VALUE):\n";
    for (const auto& v : *(*r)->getArray("fields")) {
        const auto& f = v.extract<Poco::JSON::Object::Ptr>();
        std::cout << "  " << str(f, "name") << (f->optValue<bool>("optional", false) ? " (optional)" : "")
                  << "  " << str(f, "description") << "\n";
    }
    return exit_ok;
}

int cmd_envelope_create(Cli& cli, const EnvelopeCreateArgs& a) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    if (!a.template_name.empty()) {
        body->set("template", a.template_name);
    }
    if (!a.document.empty()) {
        body->set("document", a.document);
    }
    if (!a.title.empty()) {
        body->set("title", a.title);
    }
    if (!a.roi.empty()) {
        body->set("roi", a.roi);
    }
    body->set("expires_in_days", a.expires_days);
    auto values = values_object(a.values);
    if (!values) {
        return report(values.error());
    }
    body->set("values", *values);
    Poco::JSON::Array::Ptr signers = new Poco::JSON::Array();
    for (const auto& spec : a.signers) {
        // SLOT=PARTY[,capacity=C][,group=N][,authority=TEXT]
        const auto eq = spec.find('=');
        if (eq == std::string::npos) {
            return report(make_error(Errc::invalid_input,
                                     "--signer takes SLOT=PARTY[,capacity=..][,group=N][,authority=..]"));
        }
        Poco::JSON::Object::Ptr s = new Poco::JSON::Object();
        s->set("slot", spec.substr(0, eq));
        std::stringstream rest(spec.substr(eq + 1));
        std::string part;
        bool first = true;
        while (std::getline(rest, part, ',')) {
            if (first) {
                s->set("party", part);
                first = false;
                continue;
            }
            const auto e2 = part.find('=');
            if (e2 == std::string::npos) {
                return report(make_error(Errc::invalid_input, "bad --signer option '" + part + "'"));
            }
            const std::string k = part.substr(0, e2);
            const std::string v = part.substr(e2 + 1);
            if (k == "group") {
                s->set("group", std::stoi(v));
            } else if (k == "capacity" || k == "authority") {
                s->set(k, v);
            } else {
                return report(make_error(Errc::invalid_input, "unknown --signer option '" + k + "'"));
            }
        }
        signers->add(s);
    }
    body->set("signers", signers);
    if (!a.stamps.empty()) {
        Poco::JSON::Array::Ptr stamps = new Poco::JSON::Array();
        for (const auto& spec : a.stamps) {
            int page = 0;
            double x = 0;
            double y = 0;
            double w = 0;
            double h = 0;
            int used = 0;
            if (std::sscanf(spec.c_str(), "%d:%lf,%lf,%lf,%lf=%n", &page, &x, &y, &w, &h, &used) != 5 ||
                used == 0 || page < 1) {
                return report(make_error(Errc::invalid_input,
                                         "--stamp takes PAGE:X,Y,WIDTH,HEIGHT=TEXT, not '" + spec + "'"));
            }
            Poco::JSON::Object::Ptr st = new Poco::JSON::Object();
            st->set("page", page - 1);
            st->set("x", x);
            st->set("y", y);
            st->set("width", w);
            st->set("height", h);
            st->set("text", spec.substr(static_cast<std::size_t>(used)));
            stamps->add(st);
        }
        body->set("stamps", stamps);
    }
    auto r = api->call("POST", "/api/v1/cases/" + url_encode(a.case_id) + "/envelopes", body);
    if (r && a.send) {
        r = api->call("POST", "/api/v1/envelopes/" + url_encode(str(*r, "id")) + "/send");
    }
    return show(cli, r);
}

int cmd_envelope_action(Cli& cli, const std::string& env, const std::string& action,
                        const std::string& reason) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    if (action == "status") {
        return show(cli, api->call("GET", "/api/v1/envelopes/" + url_encode(env)));
    }
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    if (!reason.empty()) {
        body->set("reason", reason);
    }
    return show(cli, api->call("POST", "/api/v1/envelopes/" + url_encode(env) + "/" + action, body));
}

int cmd_envelope_list(Cli& cli, const std::string& case_id) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("GET", "/api/v1/cases/" + url_encode(case_id) + "/envelopes");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
        return exit_ok;
    }
    Table t({"ID", "TITLE", "STATE", "SIGNED", "MY SLOT"});
    for (const auto& v : *items(*r)) {
        const auto& e = v.extract<Poco::JSON::Object::Ptr>();
        int signed_count = 0;
        int total = 0;
        for (const auto& s : *e->getArray("signers")) {
            ++total;
            signed_count += str(s.extract<Poco::JSON::Object::Ptr>(), "state") == "signed" ? 1 : 0;
        }
        t.row({str(e, "id"), str(e, "title"), str(e, "state"),
               std::to_string(signed_count) + "/" + std::to_string(total), str(e, "my_slot")});
    }
    t.print();
    return exit_ok;
}

int cmd_envelope_sign(Cli& cli, const EnvelopeSignArgs& a) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    const std::string base = "/api/v1/envelopes/" + url_encode(a.envelope);
    auto env = api->call("GET", base);
    if (!env) {
        return report(env.error());
    }
    // 1. The exact bytes: download what is being signed and hash it ourselves.
    const std::string tmp = config_dir() + "/sign-" + a.envelope + ".pdf";
    auto downloaded = api->download(base + "/document", tmp);
    if (!downloaded) {
        return report(downloaded.error());
    }
    auto read_back = read_text_file(tmp, k_max_document);
    if (a.keep_copy.empty()) {
        std::remove(tmp.c_str());
    } else {
        std::rename(tmp.c_str(), a.keep_copy.c_str());
    }
    if (!read_back) {
        return report(read_back.error());
    }
    const std::string sha = crypto::to_hex(crypto::sha256(*read_back));
    if (!downloaded->sha256.empty() && downloaded->sha256 != sha) {
        return report(make_error(Errc::integrity, "the document changed in transit; nothing was signed"));
    }
    std::cerr << "Document: " << str(*env, "title") << "\nSHA-256 of what you are signing: " << sha << "\n"
              << (a.keep_copy.empty() ? "" : "A copy is saved at " + a.keep_copy + " for you to read.\n");
    // 2. Consent to sign electronically (ESIGN), shown in full before the first signature.
    auto disclosure = api->call("GET", "/api/v1/esign/disclosure");
    if (!disclosure) {
        return report(disclosure.error());
    }
    if (!a.accept_disclosure) {
        std::cerr << "\n" << str(*disclosure, "text") << "\n\n";
        if (ask("Type I AGREE to consent to electronic records and signatures: ") != "I AGREE") {
            return report(make_error(Errc::invalid_input, "consent not given; nothing was signed"));
        }
    }
    Poco::JSON::Object::Ptr consent = new Poco::JSON::Object();
    consent->set("disclosure_version", str(*disclosure, "version"));
    consent->set("accept", true);
    auto c = api->call("POST", base + "/consent", consent);
    if (!c) {
        return report(c.error());
    }
    // 3. Intent and the adopted signature.
    std::string typed = a.typed_signature;
    if (typed.empty()) {
        typed = ask("Type your full name to adopt it as your signature: ");
    }
    if (!a.intent) {
        if (ask("Type SIGN to sign \"" + str(*env, "title") + "\" electronically: ") != "SIGN") {
            return report(make_error(Errc::invalid_input, "not signed"));
        }
    }
    // 4. Re-authentication.
    auto password = read_password("Password to confirm it is you: ", false);
    if (!password) {
        return report(password.error());
    }
    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("viewed_sha256", sha);
    body->set("intent", true);
    body->set("typed_signature", typed);
    body->set("password", *password);
    if (!a.totp.empty()) {
        body->set("totp", a.totp);
    }
    Poco::JSON::Object::Ptr fields = new Poco::JSON::Object();
    for (const auto& f : a.fields) {
        const auto eq = f.find('=');
        if (eq == std::string::npos) {
            return report(make_error(Errc::invalid_input, "--field takes NAME=VALUE"));
        }
        fields->set(f.substr(0, eq), f.substr(eq + 1));
    }
    body->set("fields", fields);
    if (a.key.empty()) {
        auto r = api->call("POST", base + "/sign", body);
        if (!r && r.error().code == Errc::second_factor && a.totp.empty()) {
            auto code = crypto::prompt_secret("Code from your authenticator app: ");
            if (code) {
                body->set("totp", std::string(code->view()));
                r = api->call("POST", base + "/sign", body);
            }
        }
        return show(cli, r);
    }
    // Bring your own certificate: the server prepares, this machine signs, the key never leaves it. The key
    // goes from its file straight into locked memory, as with sign-local.
    auto key = read_file_into<crypto::Secret>(a.key, k_max_pem);
    if (!key) {
        return report(key.error());
    }
    auto cert = read_text_file(a.cert, k_max_pem);
    if (!cert) {
        return report(cert.error());
    }
    std::string chain_pem;
    std::vector<std::string> chain;
    if (!a.chain.empty()) {
        auto read_chain = read_text_file(a.chain, k_max_pem);
        if (!read_chain) {
            return report(read_chain.error());
        }
        chain_pem = std::move(read_chain).value();
        auto split = crypto::split_certificate_bundle(chain_pem);
        if (!split) {
            return report(split.error());
        }
        chain = *split;
    }
    body->set("certificate_pem", *cert);
    if (!a.chain.empty()) {
        body->set("chain_pem", chain_pem);
    }
    auto prepared = api->call("POST", base + "/external/prepare", body);
    if (!prepared) {
        return report(prepared.error());
    }
    const auto digest_bytes = from_hex(str(*prepared, "digest_sha256"));
    if (!digest_bytes || digest_bytes->size() != 32) {
        return report(make_error(Errc::integrity, "the server sent a malformed digest"));
    }
    crypto::Digest digest{};
    std::copy(digest_bytes->begin(), digest_bytes->end(), digest.begin());
    auto cms = crypto::cms_sign(digest, *key, *cert, chain);
    if (!cms) {
        return report(cms.error());
    }
    Poco::JSON::Object::Ptr done = new Poco::JSON::Object();
    done->set("prepared_id", str(*prepared, "prepared_id"));
    done->set("cms", to_base64(*cms));
    return show(cli, api->call("POST", base + "/external/complete", done));
}

int cmd_envelope_download(Cli& cli, const std::string& env, const std::string& out, bool certificate) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto e = api->call("GET", "/api/v1/envelopes/" + url_encode(env));
    if (!e) {
        return report(e.error());
    }
    const std::string doc = certificate ? str(*e, "certificate_document_id") : str(*e, "document_id");
    if (doc.empty()) {
        return report(make_error(Errc::not_found, "there is no certificate of completion yet"));
    }
    return cmd_doc_get(cli, doc, out, std::nullopt);
}

} // namespace kinvault::client
