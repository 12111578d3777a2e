#include "client/commands.h"
#include "client/output.h"
#include "crypto/checkpoint.h"
#include "crypto/merkle.h"

#include <Poco/JSON/Parser.h>

#include <iostream>

namespace kinvault::client {

namespace {

Result<std::vector<crypto::Hash>> parse_proof(const Poco::JSON::Object::Ptr& obj) {
    std::vector<crypto::Hash> out;
    if (!obj->has("proof")) {
        return make_error(Errc::integrity, "the server sent no proof");
    }
    for (const auto& v : *obj->getArray("proof")) {
        const auto bytes = from_base64(v.convert<std::string>());
        if (!bytes || bytes->size() != 32) {
            return make_error(Errc::integrity, "the server sent a malformed proof hash");
        }
        crypto::Hash h{};
        std::copy(bytes->begin(), bytes->end(), h.begin());
        out.push_back(h);
    }
    return out;
}

} // namespace

int cmd_audit_list(Cli& cli, long long from, long long count) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("GET", "/api/v1/audit/entries?from=" + std::to_string(from) +
                                  "&count=" + std::to_string(count));
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
        return exit_ok;
    }
    Table t({"#", "TIME", "ACTOR", "ACTION", "OBJECT", "DECISION", "REASON"});
    for (const auto& v : *items(*r)) {
        const auto row = v.extract<Poco::JSON::Object::Ptr>();
        Poco::JSON::Parser parser;
        const auto e = parser.parse(str(row, "entry")).extract<Poco::JSON::Object::Ptr>();
        t.row({str(row, "index"), str(e, "time"), str(e, "actor"), str(e, "action"), str(e, "object"),
               str(e, "decision"), str(e, "reason")});
    }
    t.print();
    return exit_ok;
}

// Fetches a signed checkpoint, checks its signature with the pinned key, recomputes the whole tree from the
// entries, proves consistency with the checkpoint seen last time, and spot-checks an inclusion proof.
int cmd_audit_verify(Cli& cli) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto cp = api->call("GET", "/api/v1/audit/checkpoint");
    if (!cp) {
        return report(cp.error());
    }
    const std::string note = str(*cp, "checkpoint");
    const std::string key = str(*cp, "verifier_key");
    bool first_use = false;
    if (cli.profile.audit_verifier_key.empty()) {
        cli.profile.audit_verifier_key = key;
        first_use = true;
    } else if (cli.profile.audit_verifier_key != key) {
        return report(make_error(Errc::integrity, "the server's audit signing key changed (pinned " +
                                                      cli.profile.audit_verifier_key + ", now " + key + ")"));
    }
    auto checkpoint = crypto::open_checkpoint(note, cli.profile.audit_verifier_key);
    if (!checkpoint) {
        return report(make_error(Errc::integrity,
                                 "the checkpoint signature does not verify: " + checkpoint.error().message));
    }
    const std::uint64_t size = checkpoint->size;

    // Recompute the tree from every entry.
    std::vector<crypto::Hash> leaves;
    leaves.reserve(size);
    while (leaves.size() < size) {
        auto page =
            api->call("GET", "/api/v1/audit/entries?from=" + std::to_string(leaves.size()) + "&count=5000");
        if (!page) {
            return report(page.error());
        }
        const auto arr = items(*page);
        if (arr->size() == 0) {
            break;
        }
        for (const auto& v : *arr) {
            if (leaves.size() >= size) {
                break;
            }
            const auto row = v.extract<Poco::JSON::Object::Ptr>();
            if (row->getValue<std::uint64_t>("index") != leaves.size()) {
                return report(make_error(Errc::integrity, "the audit entries are out of order"));
            }
            const std::string entry = str(row, "entry");
            leaves.push_back(
                crypto::merkle_leaf_hash(reinterpret_cast<const std::uint8_t*>(entry.data()), entry.size()));
        }
    }
    if (leaves.size() != size) {
        return report(
            make_error(Errc::integrity, "the server returned fewer entries than its checkpoint claims"));
    }
    if (crypto::merkle_root(leaves) != checkpoint->root) {
        return report(
            make_error(Errc::integrity, "the entries do not hash to the signed root: the log was altered"));
    }

    // Consistency with the last checkpoint this client accepted.
    std::string consistency = "first verification: nothing earlier to compare";
    if (!cli.profile.audit_checkpoint.empty()) {
        auto old = crypto::open_checkpoint(cli.profile.audit_checkpoint, cli.profile.audit_verifier_key);
        if (!old) {
            return report(make_error(Errc::integrity, "the saved checkpoint no longer verifies"));
        }
        if (old->size > size) {
            return report(make_error(Errc::integrity, "the log shrank since the last verification (" +
                                                          std::to_string(old->size) + " -> " +
                                                          std::to_string(size) + " entries)"));
        }
        auto proof_obj =
            api->call("GET", "/api/v1/audit/proof/consistency?first=" + std::to_string(old->size) +
                                 "&second=" + std::to_string(size));
        if (!proof_obj) {
            return report(proof_obj.error());
        }
        auto proof = parse_proof(*proof_obj);
        if (!proof) {
            return report(proof.error());
        }
        Status st = crypto::verify_consistency(old->size, size, old->root, checkpoint->root, *proof);
        const std::vector<crypto::Hash> prefix(leaves.begin(),
                                               leaves.begin() + static_cast<std::ptrdiff_t>(old->size));
        if (!st || (old->size > 0 && crypto::merkle_root(prefix) != old->root)) {
            return report(make_error(Errc::integrity,
                                     "the log is not consistent with the checkpoint seen before: "
                                     "earlier entries were changed"));
        }
        consistency = "consistent with the checkpoint of " + std::to_string(old->size) + " entries";
    }

    // Spot-check the server's inclusion proof for the newest entry.
    if (size > 0) {
        auto proof_obj = api->call("GET", "/api/v1/audit/proof/inclusion?index=" + std::to_string(size - 1) +
                                              "&size=" + std::to_string(size));
        if (!proof_obj) {
            return report(proof_obj.error());
        }
        auto proof = parse_proof(*proof_obj);
        if (!proof || !crypto::verify_inclusion(leaves.back(), size - 1, size, *proof, checkpoint->root)) {
            return report(make_error(Errc::integrity, "the server's inclusion proof does not verify"));
        }
    }

    cli.profile.audit_checkpoint = note;
    Status saved = save_profile(cli.profile);
    if (!saved) {
        return report(saved.error());
    }
    if (cli.globals.json) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("ok", true);
        o->set("size", static_cast<Poco::UInt64>(size));
        o->set("root", to_base64(checkpoint->root.data(), checkpoint->root.size()));
        o->set("verifier_key", cli.profile.audit_verifier_key);
        o->set("consistency", consistency);
        print_json(o);
    } else {
        std::cout << "Audit log verified: " << size << " entries, root " << crypto::to_hex(checkpoint->root)
                  << "\n"
                  << "Checkpoint signed by " << cli.profile.audit_verifier_key
                  << (first_use ? " (pinned now; compare it with the practice)" : "") << "\n"
                  << consistency << "\n";
    }
    return exit_ok;
}

} // namespace kinvault::client
