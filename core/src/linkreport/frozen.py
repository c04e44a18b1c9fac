"""Small immutable value classes without attrs (which costs three bare interpreter starts).

``providers`` reads settings, accounts and credentials without attrs: their value classes
(:class:`~linkreport.about.Setting`, :class:`~linkreport.about.About`,
:class:`~linkreport.accounts.Account`, :class:`~linkreport.settings.ResolvedSetting`...) subclass
:class:`Frozen`: set once in ``__init__``, then immutable, compared, hashed and shown by their
:attr:`~Frozen._fields`, as ``attrs.frozen`` classes are.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from typing import Any, ClassVar


class Frozen:
    """A value: attributes set once with :meth:`_set`; equal, hashed and shown by ``_fields``."""

    __slots__ = ()
    #: The attributes that make the value, in their order.
    _fields: ClassVar[tuple[str, ...]] = ()

    def _set(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (type(self), self._values()))


def _rebuilt(cls: type[Frozen], values: tuple[Any, ...]) -> Frozen:
    """An instance of ``cls`` with these values (unpickling, copying)."""
    value = cls.__new__(cls)
    value._set(**dict(zip(cls._fields, values, strict=True)))
    return value
