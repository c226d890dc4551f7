#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/system/system_error.hpp>
#include <string_view>

namespace sluice::net {

namespace {

// Mozilla "intermediate" TLS 1.2 suites: forward secret AEAD only, all allowed for h2 (none is
// on RFC 9113 Appendix A's block list). TLS 1.3 keeps OpenSSL's defaults, which are all good.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Session resumption with client certificates needs a session id context, else OpenSSL fails
// the resumed handshake.
constexpr std::string_view kSessionIdContext = "sluice";

// The ALPN callback's argument. Static, not the TlsContext, so a handshake still running on a
// context that a reload dropped never reads freed memory.
struct AlpnPolicy {
  bool h2;
  bool http1;
};
constexpr AlpnPolicy kPolicies[4] = {{false, false}, {false, true}, {true, false}, {true, true}};

const AlpnPolicy* PolicyFor(const TlsOptions& o) {
  return &kPolicies[(o.offer_h2 ? 2 : 0) + (o.offer_http1 ? 1 : 0)];
}

// `token` in the client's list (RFC 7301 §3.1: length-prefixed names), pointing into `in`.
const unsigned char* FindToken(const unsigned char* in, unsigned int inlen,
                               std::string_view token) {
  unsigned int i = 0;
  while (i < inlen) {
    const unsigned int len = in[i];
    if (len == 0 || i + 1 + len > inlen) return nullptr;
    if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == token) {
      return in + i + 1;
    }
    i += 1 + len;
  }
  return nullptr;
}

int SelectAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen,
               const unsigned char* in, unsigned int inlen, void* arg) {
  const auto& policy = *static_cast<const AlpnPolicy*>(arg);
  const auto pick = [&](std::string_view token) {
    const unsigned char* found = FindToken(in, inlen, token);
    if (found == nullptr) return false;
    *out = found;
    *outlen = static_cast<unsigned char>(token.size());
    return true;
  };
  if (policy.h2 && pick("h2")) return SSL_TLSEXT_ERR_OK;
  if (policy.http1 && (pick("http/1.1") || pick("http/1.0"))) return SSL_TLSEXT_ERR_OK;
  return SSL_TLSEXT_ERR_ALERT_FATAL;  // OpenSSL sends no_application_protocol
}

// OpenSSL's queued reasons for the last failure, oldest first, as one line; clears the queue.
std::string OpenSslReason() {
  std::string out;
  std::string last;
  while (const unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    std::string text = reason != nullptr ? reason : "";
    if (text.empty()) {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof buf);
      text = buf;
    }
    if (text == last) continue;
    if (!out.empty()) out += "; ";
    out += text;
    last = std::move(text);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A server must never stop at a passphrase prompt: refuse, and remember why the read failed.
int RefusePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

Pkey ReadPrivateKey(const std::string& file, std::string& error) {
  BIO* bio = BIO_new_file(file.c_str(), "r");
  if (bio == nullptr) {
    error = "cannot read private key: " + OpenSslReason();
    return nullptr;
  }
  bool asked = false;
  Pkey key(PEM_read_bio_PrivateKey(bio, nullptr, RefusePassphrase, &asked));
  BIO_free(bio);
  if (!key) {
    error = asked ? "private key is encrypted (passphrases are not supported)"
                  : "cannot read private key: " + OpenSslReason();
    ERR_clear_error();
  }
  return key;
}

void AddError(core::ErrorList& errors, const std::string& file, std::string option,
              std::string message) {
  errors.Add({.where = {.file = file}, .path = std::move(option), .message = std::move(message)});
}

void LoadCertificateAndKey(SSL_CTX* native, const TlsOptions& options, core::ErrorList& errors) {
  const bool cert_ok = SSL_CTX_use_certificate_chain_file(native, options.cert_file.c_str()) == 1;
  if (!cert_ok) {
    AddError(errors, options.cert_file, "cert_file",
             "cannot load certificate chain: " + OpenSslReason());
  }
  std::string key_error;
  const Pkey key = ReadPrivateKey(options.key_file, key_error);
  if (!key) AddError(errors, options.key_file, "key_file", key_error);
  if (!cert_ok || !key) return;
  X509* leaf = SSL_CTX_get0_certificate(native);
  if (X509_check_private_key(leaf, key.get()) != 1) {
    AddError(errors, options.key_file, "key_file",
             "private key does not match the certificate in " + options.cert_file + " (" +
                 OpenSslReason() + ")");
  } else if (SSL_CTX_use_PrivateKey(native, key.get()) != 1) {
    AddError(errors, options.key_file, "key_file", "cannot use private key: " + OpenSslReason());
  }
}

void LoadClientCa(SSL_CTX* native, const std::string& file, core::ErrorList& errors) {
  STACK_OF(X509_NAME)* names = nullptr;
  if (SSL_CTX_load_verify_locations(native, file.c_str(), nullptr) != 1 ||
      (names = SSL_load_client_CA_file(file.c_str())) == nullptr) {
    AddError(errors, file, "client_ca_file",
             "cannot load client CA certificates: " + OpenSslReason());
    return;
  }
  SSL_CTX_set_client_CA_list(native, names);  // sent in CertificateRequest; takes ownership
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
}

void ApplyProtocolSettings(SSL_CTX* native, const TlsOptions& options, core::ErrorList& errors) {
  SSL_CTX_set_min_proto_version(native, options.tls13_only ? TLS1_3_VERSION : TLS1_2_VERSION);
  // Compression invites CRIME, renegotiation is a DoS lever and banned by h2 (RFC 9113 §9.2.1).
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Idle keep-alive connections give their ~34 KiB of record buffers back.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    AddError(errors, "", "tls", "cannot set TLS 1.2 cipher suites: " + OpenSslReason());
  }
  SSL_CTX_set_session_id_context(native,
                                 reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                 kSessionIdContext.size());
  SSL_CTX_set_alpn_select_cb(native, SelectAlpn, const_cast<AlpnPolicy*>(PolicyFor(options)));
}

}  // namespace

TlsContext::TlsContext(const TlsOptions& options)
    : options_(options), context_(boost::asio::ssl::context::tls_server) {}

TlsLoadResult TlsContext::Load(const TlsOptions& options) {
  TlsLoadResult result;
  auto& errors = result.errors;
  ERR_clear_error();  // reasons from earlier, unrelated failures would be reported as ours
  if (!options.offer_h2 && !options.offer_http1) {
    AddError(errors, "", "protocols",
             "TLS listener offers no application protocol (h2 or http/1.1)");
  }
  if (options.cert_file.empty())
    AddError(errors, "", "cert_file", "a certificate file is required");
  if (options.key_file.empty()) AddError(errors, "", "key_file", "a private key file is required");
  if (!errors.empty()) return result;

  std::shared_ptr<TlsContext> ctx;
  try {
    ctx.reset(new TlsContext(options));  // private constructor: no make_shared
  } catch (const boost::system::system_error& e) {
    AddError(errors, "", "tls", std::string("cannot create TLS context: ") + e.what());
    return result;
  }
  SSL_CTX* native = ctx->context_.native_handle();
  LoadCertificateAndKey(native, options, errors);
  if (!options.client_ca_file.empty()) LoadClientCa(native, options.client_ca_file, errors);
  ApplyProtocolSettings(native, options, errors);
  ERR_clear_error();
  if (errors.empty()) result.context = std::move(ctx);
  return result;
}

TlsStream TlsContext::Wrap(boost::asio::ip::tcp::socket socket) {
  return TlsStream(std::move(socket), context_);
}

std::optional<AppProtocol> TlsContext::Protocol(TlsStream& stream) const {
  const auto alpn = NegotiatedAlpn(stream);
  if (alpn == "h2") return AppProtocol::kH2;
  if (!alpn.empty() || options_.offer_http1) return AppProtocol::kHttp1;
  return std::nullopt;
}

}  // namespace sluice::net
