// IKE identities as strongSwan reads them from text (an address, a
// distinguished name, an e-mail address, a host name) and the two
// questions the policy asks of them: are two texts one identity (the PSK
// pair rule: "CN=a, O=b" and "cn=a,O=b" are one to charon), and does a
// certificate carry an identity (localId with certificate authentication:
// charon finds its key only through it).
#pragma once

#include <optional>
#include <string>

namespace hnv::policy::detail {

enum class IdentityKind { Address, Dn, Email, Fqdn, Other };

// How strongSwan takes the text: '=' makes a DN, a leading '@' a host name
// ("@site-a"), another '@' an e-mail address, an IP address an address,
// anything else a host name; typed forms ("fqdn:x", "@#hex") and DNs with
// attributes OpenSSL does not name are Other (never refused, compared as
// text). Approximate: charon also splits DNs at '/', and makes key IDs of
// attributes it does not know.
IdentityKind identityKind(const std::string& text);

// One identity to charon: DNs compared as charon does (the same attributes
// in order, values without case where both are PrintableStrings), host
// names and e-mail addresses without case, addresses by value, Other as
// text.
bool sameIdentity(const std::string& a, const std::string& b);

// Why the certificate (PEM, already checked) does not carry `id`: not its
// subject (a DN) nor one of its subjectAltNames (address, e-mail, host
// name). nullopt when it does, or when `id` is of a form not checked here.
std::optional<std::string> identityMissingFrom(const std::string& certificatePem, const std::string& id);

}  // namespace hnv::policy::detail
