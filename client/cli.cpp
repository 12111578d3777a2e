// `kinvault`: the command line for clinicians, parents, attorneys and therapists, and the offline verifier.
#include "client/cli_parts.h"
#include "client/commands.h"
#include "client/output.h"

#include <CLI/CLI.hpp>

#include <iostream>

using namespace kinvault::client;

namespace {

constexpr const char* k_exit_help = R"(Exit codes:
  0 ok   1 failed   2 usage   3 sign-in needed or wrong password   4 not found (or not yours to see)
  5 verification failed   6 case not ready   7 input refused by the server   8 server unavailable
Passwords come from KINVAULT_PASSWORD or a prompt, never from the command line.)";

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"kinvault - keep and sign the documents of family reunification therapy"};
    app.footer(k_exit_help);
    app.require_subcommand(1);
    Cli cli;
    app.add_option("--server", cli.globals.server,
                   "server URL, e.g. https://localhost:8443 (saved at login)");
    app.add_option("--ca", cli.globals.ca, "the practice root CA (PEM) to trust (saved at login)");
    app.add_flag("--json", cli.globals.json, "machine-readable output");

    int rc = exit_ok;
    auto run = [&](auto&& fn) { return [&, fn] { rc = fn(); }; };

    std::string email;
    std::string totp;
    auto* login = app.add_subcommand("login", "sign in and keep the session for later commands");
    login->add_option("EMAIL", email, "your e-mail address")->required();
    login->add_option("--totp", totp, "the code from your authenticator app (asked for when needed)");
    login->callback(run([&] { return cmd_login(cli, email, totp); }));
    app.add_subcommand("logout", "end the saved session")->callback(run([&] { return cmd_logout(cli); }));
    app.add_subcommand("whoami", "show who is signed in")->callback(run([&] { return cmd_whoami(cli); }));

    auto* totp_cmd = app.add_subcommand("totp", "authenticator app (TOTP) for sign-in and signing");
    totp_cmd->require_subcommand(1);
    totp_cmd->add_subcommand("enrol", "start enrolment: prints the otpauth:// link")->callback(run([&] {
        return cmd_totp_enrol(cli);
    }));
    std::string totp_code;
    auto* totp_confirm = totp_cmd->add_subcommand("confirm", "finish enrolment with a first code");
    totp_confirm->add_option("CODE", totp_code)->required();
    totp_confirm->callback(run([&] { return cmd_totp_confirm(cli, totp_code); }));

    // case
    auto* case_cmd = app.add_subcommand("case", "cases (one per family)");
    case_cmd->require_subcommand(1);
    std::string case_name;
    std::string case_mode = "closed";
    auto* case_create = case_cmd->add_subcommand("create", "open a case (clinicians)");
    case_create->add_option("NAME", case_name, "the family's case name")->required();
    case_create->add_option("--mode", case_mode, "open (reports go to counsel/court) or closed")
        ->check(CLI::IsMember({"open", "closed"}));
    case_create->callback(run([&] { return cmd_case_create(cli, case_name, case_mode); }));
    case_cmd->add_subcommand("list", "the cases you take part in")->callback(run([&] {
        return cmd_case_list(cli);
    }));
    std::string case_id;
    auto* case_show = case_cmd->add_subcommand("show", "one case");
    case_show->add_option("CASE", case_id)->required();
    case_show->callback(run([&] { return cmd_case_show(cli, case_id); }));

    // party
    auto* party_cmd = app.add_subcommand("party", "the people in a case");
    party_cmd->require_subcommand(1);
    PartyInviteArgs invite;
    auto* party_invite = party_cmd->add_subcommand("invite", "add a party and print their invitation link");
    party_invite->add_option("CASE", invite.case_id)->required();
    party_invite
        ->add_option("--role", invite.role,
                     "parent, child, clinician, child-therapist, attorney, "
                     "minors-counsel or court")
        ->required()
        ->check(CLI::IsMember(
            {"parent", "child", "clinician", "child-therapist", "attorney", "minors-counsel", "court"}));
    party_invite->add_option("--name", invite.name)->required();
    party_invite->add_option("--email", invite.email)->required();
    party_invite->add_option("--represents", invite.represents, "for attorneys: the party they act for");
    party_invite->add_option("--dob", invite.date_of_birth, "for children: date of birth YYYY-MM-DD");
    party_invite->callback(run([&] { return cmd_party_invite(cli, invite); }));
    auto* party_list = party_cmd->add_subcommand("list", "parties of a case");
    party_list->add_option("CASE", case_id)->required();
    party_list->callback(run([&] { return cmd_party_list(cli, case_id); }));
    std::string party_id;
    auto* party_reinvite = party_cmd->add_subcommand("reinvite", "a fresh invitation link for a party");
    party_reinvite->add_option("PARTY", party_id)->required();
    party_reinvite->callback(run([&] { return cmd_party_reinvite(cli, party_id); }));

    auto* inv_cmd = app.add_subcommand("invitation", "invitations");
    inv_cmd->require_subcommand(1);
    std::string link;
    auto* inv_accept = inv_cmd->add_subcommand("accept", "accept an invitation and set your password");
    inv_accept->add_option("LINK-OR-TOKEN", link)->required();
    inv_accept->callback(run([&] { return cmd_invitation_accept(cli, link); }));

    // doc
    auto* doc_cmd = app.add_subcommand("doc", "documents in the vault");
    doc_cmd->require_subcommand(1);
    UploadArgs upload;
    auto* doc_upload = doc_cmd->add_subcommand("upload", "store a PDF in a case");
    doc_upload->add_option("CASE", upload.case_id)->required();
    doc_upload->add_option("FILE", upload.file)->required()->check(CLI::ExistingFile);
    doc_upload->add_option("--type", upload.type,
                           "reunification-agreement, roi, court-order, clarification-letter, "
                           "report or other");
    doc_upload->add_option("--title", upload.title, "a title (default: the file name)");
    doc_upload->add_option("--version-of", upload.version_of, "store as a new version of this document");
    doc_upload->callback(run([&] {
        if (upload.type.empty() && upload.version_of.empty()) {
            std::cerr << "kinvault: --type is required for a new document\n";
            return static_cast<int>(exit_usage);
        }
        return cmd_doc_upload(cli, upload);
    }));
    auto* doc_list = doc_cmd->add_subcommand("list", "documents of a case you may see");
    doc_list->add_option("CASE", case_id)->required();
    doc_list->callback(run([&] { return cmd_doc_list(cli, case_id); }));
    std::string doc_id;
    auto* doc_show = doc_cmd->add_subcommand("show", "a document's details");
    doc_show->add_option("DOC", doc_id)->required();
    doc_show->callback(run([&] { return cmd_doc_show(cli, doc_id); }));
    std::string out_file;
    long long version = 0;
    auto* doc_get = doc_cmd->add_subcommand("get", "download a document");
    doc_get->add_option("DOC", doc_id)->required();
    doc_get->add_option("-o,--output", out_file, "where to save it")->required();
    auto* version_opt = doc_get->add_option("--version", version, "an earlier version (clinicians)");
    doc_get->callback(run([&] {
        return cmd_doc_get(cli, doc_id, out_file,
                           version_opt->count() > 0 ? std::optional<long long>(version) : std::nullopt);
    }));
    auto* doc_versions = doc_cmd->add_subcommand("versions", "the versions of a document");
    doc_versions->add_option("DOC", doc_id)->required();
    doc_versions->callback(run([&] { return cmd_doc_versions(cli, doc_id); }));

    // audit
    auto* audit_cmd = app.add_subcommand("audit", "the tamper-evident audit log (clinicians)");
    audit_cmd->require_subcommand(1);
    long long from = 0;
    long long count = 100;
    auto* audit_list = audit_cmd->add_subcommand("list", "list entries");
    audit_list->add_option("--from", from, "first entry index");
    audit_list->add_option("--count", count, "how many");
    audit_list->callback(run([&] { return cmd_audit_list(cli, from, count); }));
    audit_cmd->add_subcommand("verify", "check the signed checkpoint, recompute the tree, prove it only grew")
        ->callback(run([&] { return cmd_audit_verify(cli); }));

    // PDF signatures, offline
    std::string pdf_file;
    std::vector<std::string> roots;
    auto* verify = app.add_subcommand("verify", "check every signature in a PDF (works offline)");
    verify->add_option("FILE", pdf_file)->required()->check(CLI::ExistingFile);
    verify->add_option("--ca", roots, "trusted root certificate(s), PEM")->check(CLI::ExistingFile);
    verify->callback(run([&] { return cmd_verify_pdf(cli, pdf_file, roots); }));
    SignLocalArgs sl;
    auto* sign_local =
        app.add_subcommand("sign-local", "sign a PDF on this machine with your own certificate");
    sign_local->add_option("--key", sl.key, "your private key (PEM)")->required()->check(CLI::ExistingFile);
    sign_local->add_option("--cert", sl.cert, "your certificate (PEM)")->required()->check(CLI::ExistingFile);
    sign_local->add_option("--chain", sl.chain, "intermediate certificates (PEM)")->check(CLI::ExistingFile);
    sign_local->add_option("--reason", sl.reason, "the reason recorded in the signature");
    sign_local->add_option("IN", sl.in)->required()->check(CLI::ExistingFile);
    sign_local->add_option("OUT", sl.out)->required();
    sign_local->callback(run([&] { return cmd_sign_local(cli, sl); }));

    register_envelope_commands(app, cli, rc);
    register_consent_commands(app, cli, rc);

    // `verify`'s --ca is a list of roots; the global --ca is the server's root. Both spellings stay short.
    auto loaded = load_profile();
    if (!loaded) {
        return report(loaded.error());
    }
    cli.profile = std::move(loaded).value();
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "kinvault: " << e.what() << " (try --help)\n";
        return exit_usage;
    }
    return rc;
}
