"""Policy versions as decisions used them: a version's content hash is fixed the first time a
decision uses it, and a file whose used version now hashes differently is refused (make a new
version instead: editing "2024.1" in place would change past decisions)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from data.db.models import PolicyVersion
from data.db.session import transaction
from data.policy_errors import PolicyFileError
from matcher.subsidy import CityPolicy, CityPolicyBook


def changed_message(policy: CityPolicy, recorded: str) -> str:
    return (
        f"政策版本 {policy.rule_version} 已被补贴决定使用（内容哈希 {recorded[:12]}），"
        f"文件 {policy.source} 中该版本的内容已被修改（现为 {policy.content_hash[:12]}）；"
        "请恢复原内容，另立新版本并设定施行日期"
    )


def register_use(engine: Engine, policy: CityPolicy, actor: str) -> str | None:
    """Record ``policy``'s content hash on its first use by a decision; on later uses compare.
    Returns None when the version may be used, else a Chinese message saying why not."""
    for _ in range(2):
        with transaction(engine) as s:
            row = s.get(PolicyVersion, (policy.city_code, policy.version))
            if row is not None:
                return (
                    None
                    if row.content_hash == policy.content_hash
                    else changed_message(policy, row.content_hash)
                )
        try:
            with transaction(engine) as s:
                s.add(
                    PolicyVersion(
                        city_code=policy.city_code,
                        version=policy.version,
                        content_hash=policy.content_hash,
                        source=policy.source[-256:],
                        first_used_by=actor[:64],
                    )
                )
            return None
        except IntegrityError:
            continue  # another decision registered it first: compare with what it recorded
    raise RuntimeError("policy version registration did not settle")  # pragma: no cover


def changed_versions(engine: Engine, book: CityPolicyBook) -> list[PolicyFileError]:
    """Errors for the versions of ``book`` that decisions used with other content."""
    with transaction(engine) as s:
        used = {
            (r.city_code, r.version): r.content_hash
            for r in s.scalars(select(PolicyVersion).where(PolicyVersion.city_code == book.city_code))
        }
    out = []
    for v in book.versions:
        recorded = used.get((v.city_code, v.version))
        if recorded is not None and recorded != v.content_hash:
            out.append(
                PolicyFileError(
                    v.source, changed_message(v, recorded), version=v.version, field="content_hash"
                )
            )
    return out


def used_versions(engine: Engine, city_code: str) -> set[str]:
    """Versions of a city that decisions have used."""
    with transaction(engine) as s:
        return set(s.scalars(select(PolicyVersion.version).where(PolicyVersion.city_code == city_code)))
