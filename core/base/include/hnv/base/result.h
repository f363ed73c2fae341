// The one error convention of the project: functions that can fail return
// Result<T> (or Result<T, E> with a cheap error type on hot paths) and never
// throw across a module boundary. An Error says what failed, where and why.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace hnv {

enum class Errc : std::uint8_t {
  InvalidArgument,
  OutOfRange,
  NotFound,
  AlreadyExists,
  Conflict,
  Unsupported,
  Unavailable,
  PermissionDenied,
  Io,
  Truncated,
  Malformed,
  Internal,
};

// The code's wire name ("invalid-argument"), used by every API, and back.
std::string_view errcName(Errc code);
std::optional<Errc> errcFromName(std::string_view name);

// where: the place (a config path like "ports[0].mtu", a file, a component);
// what: the offending value or object; why: the reason, a full sentence part.
struct Error {
  Errc code = Errc::Internal;
  std::string where;
  std::string what;
  std::string why;

  // "where: what: why" with empty parts left out.
  std::string message() const;
  // The same error with `outer` put in front of `where` ("config" + "ports[0]").
  Error within(std::string_view outer) const;
};

Error makeError(Errc code, std::string where, std::string what, std::string why);

template <class T, class E = Error>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<T, E>, "value and error types must differ");

 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)
  // Anything T can be built from (a json::object for a Result<json::value>).
  template <class U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
             !std::is_same_v<std::remove_cvref_t<U>, E> && !std::is_same_v<std::remove_cvref_t<U>, Result> &&
             !std::is_constructible_v<E, U &&>)
  Result(U&& value) : v_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const& { return std::get<1>(v_); }
  E&& error() && { return std::get<1>(std::move(v_)); }

  template <class U>
  T valueOr(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_{};
  bool ok_ = true;
};

using Status = Result<void>;

inline Status okStatus() { return {}; }

}  // namespace hnv
