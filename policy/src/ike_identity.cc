#include "ike_identity.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>
#include <vector>

#include "hnv/base/ip.h"
#include "openssl_ptr.h"

namespace hnv::policy::detail {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

// A DN attribute's name as OpenSSL knows it; strongSwan takes them without
// case and has some names of its own ("E" for the e-mail address, "SN" for
// the serial number, where OpenSSL's SN is the surname, "S" for that).
std::string attributeName(const std::string& key) {
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"c", "C"},   {"st", "ST"}, {"l", "L"},   {"o", "O"},         {"ou", "OU"},   {"cn", "CN"},
      {"dc", "DC"}, {"uid", "UID"}, {"sn", "serialNumber"}, {"serialnumber", "serialNumber"}, {"s", "surname"},
      {"surname", "surname"}, {"t", "title"},
      {"title", "title"}, {"g", "GN"}, {"gn", "GN"}, {"e", "emailAddress"}, {"email", "emailAddress"},
      {"emailaddress", "emailAddress"}, {"street", "street"}, {"postalcode", "postalCode"}};
  const std::string k = lower(key);
  for (const auto& [from, to] : kNames) {
    if (k == from) return std::string(to);
  }
  return key;
}

// "C=CH, O=Example, CN=site-a" as an X509_NAME, in its order; null if a
// part is not KEY=VALUE or OpenSSL does not know the attribute.
NamePtr parseDn(const std::string& text) {
  if (text.find_first_of("\"\\+") != std::string::npos) return nullptr;  // quoting, multi-valued RDNs: not ours
  NamePtr name(X509_NAME_new());
  std::size_t start = 0;
  while (name && start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, comma - start);
    const std::size_t eq = part.find('=');
    const std::string key = eq == std::string::npos ? "" : trimmed(part.substr(0, eq));
    const std::string value = eq == std::string::npos ? "" : trimmed(part.substr(eq + 1));
    if (key.empty() || value.empty() ||
        X509_NAME_add_entry_by_txt(name.get(), attributeName(key).c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      ERR_clear_error();
      return nullptr;
    }
    start = comma + 1;
  }
  return name;
}

// PrintableString's alphabet: strongSwan encodes a text DN's value in it
// when it can, else as UTF8String.
bool printableAlphabet(const std::string& v) {
  return std::all_of(v.begin(), v.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || std::string_view(" '()+,-./:=?").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

// charon's comparison of two DNs (identification.c compare_dn): the same
// attributes in the same order, values without case where both are
// PrintableStrings and byte for byte otherwise. `*Text`: the name was read
// from text here (its values' types are what strongSwan would choose).
bool dnEqual(const X509_NAME* a, bool aText, const X509_NAME* b, bool bText) {
  if (a == nullptr || b == nullptr || X509_NAME_entry_count(a) != X509_NAME_entry_count(b)) return false;
  auto value = [](const X509_NAME_ENTRY* e) {
    const ASN1_STRING* v = X509_NAME_ENTRY_get_data(e);
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                       static_cast<std::size_t>(ASN1_STRING_length(v)));
  };
  auto printable = [](const X509_NAME_ENTRY* e, const std::string& v, bool text) {
    return text ? printableAlphabet(v) : ASN1_STRING_type(X509_NAME_ENTRY_get_data(e)) == V_ASN1_PRINTABLESTRING;
  };
  for (int i = 0; i < X509_NAME_entry_count(a); ++i) {
    const X509_NAME_ENTRY* ea = X509_NAME_get_entry(a, i);
    const X509_NAME_ENTRY* eb = X509_NAME_get_entry(b, i);
    if (OBJ_cmp(X509_NAME_ENTRY_get_object(ea), X509_NAME_ENTRY_get_object(eb)) != 0) return false;
    const std::string va = value(ea), vb = value(eb);
    if (printable(ea, va, aText) && printable(eb, vb, bText) ? lower(va) != lower(vb) : va != vb) return false;
  }
  return true;
}

std::string nameText(const X509_NAME* n) {
  BioPtr out(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(out.get(), n, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// The subjectAltNames of `x` as text, and whether one equals `id`.
struct AltNames {
  std::vector<std::string> shown;
  bool found = false;
};

AltNames altNames(X509* x, IdentityKind kind, const std::string& id) {
  AltNames out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  const auto address = IpAddr::parse(id);
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS || g->type == GEN_EMAIL) {
      const ASN1_IA5STRING* s = g->type == GEN_DNS ? g->d.dNSName : g->d.rfc822Name;
      const std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                             static_cast<std::size_t>(ASN1_STRING_length(s)));
      out.shown.push_back((g->type == GEN_DNS ? "DNS:" : "email:") + text);
      const IdentityKind k = g->type == GEN_DNS ? IdentityKind::Fqdn : IdentityKind::Email;
      out.found = out.found || (k == kind && lower(text) == lower(kind == IdentityKind::Fqdn && !id.empty() &&
                                                                        id[0] == '@' ? id.substr(1) : id));
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = g->d.iPAddress;
      const unsigned char* b = ASN1_STRING_get0_data(s);
      std::optional<IpAddr> a;
      if (ASN1_STRING_length(s) == 4) a = IpAddr(Ipv4Addr::fromBytes(b));
      if (ASN1_STRING_length(s) == 16) a = IpAddr(Ipv6Addr::fromBytes(b));
      if (!a) continue;
      out.shown.push_back("IP:" + a->toString());
      out.found = out.found || (kind == IdentityKind::Address && address && *address == *a);
    }
  }
  GENERAL_NAMES_free(names);
  ERR_clear_error();  // none is not an error
  return out;
}

}  // namespace

IdentityKind identityKind(const std::string& text) {
  if (text.empty()) return IdentityKind::Other;
  if (text.find('=') != std::string::npos) return parseDn(text) ? IdentityKind::Dn : IdentityKind::Other;
  if (text[0] == '@') {
    return text.size() > 1 && (text[1] == '#' || text[1] == '@') ? IdentityKind::Other : IdentityKind::Fqdn;
  }
  if (IpAddr::parse(text)) return IdentityKind::Address;
  // Typed forms ("fqdn:x", "email:x", "keyid:x"): strongSwan's prefixes.
  if (text.find(':') != std::string::npos) return IdentityKind::Other;
  return text.find('@') != std::string::npos ? IdentityKind::Email : IdentityKind::Fqdn;
}

bool sameIdentity(const std::string& a, const std::string& b) {
  const IdentityKind ka = identityKind(a), kb = identityKind(b);
  if (ka != kb) return a == b;
  switch (ka) {
    case IdentityKind::Dn: return dnEqual(parseDn(a).get(), true, parseDn(b).get(), true);
    case IdentityKind::Address: return *IpAddr::parse(a) == *IpAddr::parse(b);
    case IdentityKind::Fqdn: {
      auto bare = [](const std::string& s) { return lower(!s.empty() && s[0] == '@' ? s.substr(1) : s); };
      return bare(a) == bare(b);
    }
    case IdentityKind::Email: return lower(a) == lower(b);
    case IdentityKind::Other: return a == b;
  }
  return a == b;
}

std::optional<std::string> identityMissingFrom(const std::string& certificatePem, const std::string& id) {
  const IdentityKind kind = identityKind(id);
  if (kind == IdentityKind::Other) return std::nullopt;
  auto bio = memoryBio(certificatePem);
  X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!x) {
    ERR_clear_error();
    return std::nullopt;  // checked before; nothing to say here
  }
  const X509_NAME* subject = X509_get_subject_name(x.get());
  if (kind == IdentityKind::Dn && dnEqual(parseDn(id).get(), true, subject, false)) return std::nullopt;
  const AltNames alt = altNames(x.get(), kind, id);
  if (alt.found) return std::nullopt;
  std::string shown;
  for (const auto& s : alt.shown) shown += (shown.empty() ? "" : ", ") + s;
  return "is not in the certificate (subject " + nameText(subject) + "; subjectAltNames " +
         (shown.empty() ? "none" : shown) + "): charon would find no certificate and key for this identity";
}

}  // namespace hnv::policy::detail
