"""Build the benchmark's dataset in PostgreSQL, quickly: COPY, not the ORM.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sr_bench .venv/bin/python bench/dataset.py --replace
    ... bench/dataset.py --replace --scale 0.1       # a tenth: 500 customers, 30,000 key points

At scale 1: 50 reps (and an admin, a lead and a manager), 5,000 customers with two contacts each,
20,000 projects and 300,000 key points, with each project's stage history told in StageHistory rows
that end at its stage and status, stalled projects (entered their stage long ago, no recent key
point), open next steps some of them overdue, and a few projects with over 1,000 key points. The
change history (django-simple-history) stays empty: bulk loading is not a change anyone made.

PostgreSQL only (it uses COPY). It REPLACES every user and record in the database: hence --replace.
Every bench user's password is BENCH_PASSWORD. The same scale and seed build the same data.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesrecord.settings")

BENCH_PASSWORD = "bench-Passw0rd-2026"
ROLE_USERS = {"admin": "bench-admin", "lead": "bench-lead", "manager": "bench-manager", "rep": "bench-rep00"}
FULL = {"reps": 50, "customers": 5_000, "projects": 20_000, "keypoints": 300_000}
# Projects whose timelines are long (a key account logged for years): key points each at scale 1.
LONG_PROJECTS = (1_500, 1_200, 1_100)

CITIES = ["北京", "上海", "深圳", "广州", "杭州", "成都", "武汉", "南京", "苏州", "西安", "天津", "重庆"]
WORDS = ["华信", "远航", "恒通", "博创", "瑞丰", "鼎盛", "云帆", "中科", "天合", "星辰", "金桥", "众联"]
TRADES = ["科技", "制造", "电子", "物流", "医疗器械", "能源", "软件", "建设"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
METHODS = ["phone", "on_site", "online_meeting", "meeting", "email", "wechat"]
INDUSTRIES = ["manufacturing", "finance", "retail", "it", "healthcare", "energy", "logistics", "other"]
SOURCES = ["inbound", "trade_show", "referral", "website", "outbound", "other"]
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def vacuum():
    """VACUUM ANALYZE, as autovacuum would soon after a load this size in production: statistics for the
    planner, and the visibility map that lets an index answer alone (without it every index-only read
    visits the table too). Outside a transaction, as VACUUM must be."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def setup_django():
    import django

    django.setup()


def scaled(count, scale, least=1):
    return max(least, round(count * scale))


def credit_code(number):
    """A valid unified social credit code, a different one for each number."""
    from customers.validators import credit_code_check_char

    digits = []
    for _ in range(9):
        number, rest = divmod(number, len(CREDIT_ALPHABET))
        digits.append(CREDIT_ALPHABET[rest])
    first17 = "91" + "310115" + "".join(reversed(digits))
    return first17 + credit_code_check_char(first17)


class Copier:
    """Rows into a model's table with COPY, every column filled: unnamed ones get the field's default."""

    def __init__(self, raw_cursor):
        self.cursor = raw_cursor

    def copy(self, model, rows):
        fields = list(model._meta.concrete_fields)
        defaults = {field.attname: field.get_default() for field in fields}
        json_fields = {field.attname for field in fields if field.get_internal_type() == "JSONField"}
        columns = ", ".join(f'"{field.column}"' for field in fields)
        count = 0
        with self.cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for field in fields:
                    value = row.get(field.attname, defaults[field.attname])
                    if field.attname in json_fields and value is not None:
                        value = json.dumps(value, ensure_ascii=False)
                    values.append(value)
                copy.write_row(values)
                count += 1
        return count


def build(scale=1.0, seed=2026, log=print):
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from customers.models import Contact, Customer, LostReason, Project
    from customers.validators import customer_name_key, customer_name_sort_key
    from keypoints import day_counts
    from keypoints.models import KeyPoint, StageHistory
    from keypoints.services import completeness

    if connection.vendor != "postgresql":
        raise SystemExit("bench/dataset.py needs PostgreSQL (it loads with COPY).")
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now)
    counts = {name: scaled(count, scale) for name, count in FULL.items()}
    counts["customers"] = max(counts["customers"], 2)
    counts["projects"] = max(counts["projects"], len(LONG_PROJECTS) + 2)
    started = time.perf_counter()
    kp_tables = [KeyPoint.our_participants.through, KeyPoint.customer_participants.through]
    with transaction.atomic(), connection.cursor() as cursor:
        tables = [User, Customer, Contact, Project, KeyPoint, StageHistory, *kp_tables]
        names = ", ".join(f'"{model._meta.db_table}"' for model in tables)
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        copier = Copier(cursor.cursor)

        # People ------------------------------------------------------------------------------------
        password = make_password(BENCH_PASSWORD)
        people = [
            ("bench-admin", "admin", "管理员"),
            ("bench-lead", "lead", "销售总监"),
            ("bench-manager", "manager", "总经理"),
        ]
        people += [
            (f"bench-rep{i:02d}", "rep", f"销售{SURNAMES[i % len(SURNAMES)]}{i:02d}") for i in range(counts["reps"])
        ]
        users = [
            {
                "id": pk,
                "username": username,
                "password": password,
                "role": role,
                "display_name": display,
                "is_staff": role == "admin",
                "is_superuser": role == "admin",
                "is_active": True,
                "date_joined": now - datetime.timedelta(days=800),
            }
            for pk, (username, role, display) in enumerate(people, start=1)
        ]
        copier.copy(User, users)
        rep_ids = [user["id"] for user in users if user["role"] == "rep"]

        # Customers and contacts --------------------------------------------------------------------
        customers, contacts = [], []
        for pk in range(1, counts["customers"] + 1):
            name = f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(TRADES)}{pk:05d}有限公司"
            created = now - datetime.timedelta(days=rng.randint(30, 900))
            customers.append(
                {
                    "id": pk,
                    "legal_name": name,
                    "name_key": customer_name_key(name),
                    "name_pinyin": customer_name_sort_key(name),
                    "credit_code": credit_code(pk) if pk % 2 else "",
                    "industry": rng.choice(INDUSTRIES),
                    "employee_count": rng.randint(20, 20_000),
                    "annual_revenue": Decimal(rng.randint(1, 500) * 1_000_000),
                    "owner_id": rep_ids[(pk - 1) % len(rep_ids)],
                    "tier": rng.choices(["strategic", "key", "normal"], [1, 3, 12])[0],
                    "created_by_id": rep_ids[(pk - 1) % len(rep_ids)],
                    "created_at": created,
                    "updated_at": created,
                }
            )
            for n in range(2):
                contacts.append(
                    {
                        "id": len(contacts) + 1,
                        "customer_id": pk,
                        "name": f"{rng.choice(SURNAMES)}{'经理' if n else '总'}",
                        "title": "采购经理" if n else "总经理",
                        "phone": f"138{pk:04d}{n:04d}"[:11],
                        "decision_role": "influencer" if n else "decision_maker",
                        "stance": rng.choice(["supporter", "neutral", "opponent"]),
                    }
                )
        copier.copy(Customer, customers)
        copier.copy(Contact, contacts)
        log(f"  {len(users)} users, {len(customers):,} customers, {len(contacts):,} contacts")

        # Projects, their stage history, their key points -------------------------------------------
        lost_reason = LostReason.objects.order_by("position", "id").first() or LostReason.objects.create(name="价格")
        n_projects = counts["projects"]
        long_sizes = [scaled(size, scale, least=10) for size in LONG_PROJECTS]
        remaining = max(0, counts["keypoints"] - sum(long_sizes))
        ordinary = n_projects - len(long_sizes)
        # Key points per ordinary project: 15 on average at scale 1, spread like real accounts are.
        weights = [rng.paretovariate(2.5) for _ in range(ordinary)]
        total_weight = sum(weights)
        sizes = long_sizes + [int(remaining * weight / total_weight) for weight in weights]
        for i in range(remaining - sum(sizes[len(long_sizes) :])):
            sizes[len(long_sizes) + i % ordinary] += 1

        projects, history, keypoints, ours, theirs = [], [], [], [], []
        kp_id = 0
        for index, size in enumerate(sizes):
            pk = index + 1
            customer = customers[index % len(customers)]
            owner = customer["owner_id"]
            is_long = index < len(long_sizes)
            status = "open" if is_long else rng.choices(["open", "on_hold", "lost", "completed"], [75, 8, 10, 7])[0]
            stage = 7 if status == "completed" else (rng.randint(3, 6) if is_long else rng.randint(1, 7))
            stalled = status == "open" and not is_long and rng.random() < 0.2
            quiet = datetime.timedelta(
                days=rng.randint(61, 200) if stalled else rng.randint(0, 10), hours=rng.randint(0, 23)
            )
            last = now - quiet
            if status in ("lost", "completed"):
                last = now - datetime.timedelta(days=rng.randint(20, 100))
            # Opened on any day of the last two years, at least a few days before its last key point: a
            # team opens projects every week, so the period's figures over new projects (conversion, days
            # in each stage, lead ratings) have as many to count as a real dashboard.
            age = 1_000 if is_long else rng.randint((now - last).days + 5, 720)
            created = now - datetime.timedelta(days=age)
            # The stage's changes spread over the project's life: stage k entered at a k-th of the way.
            span = last - created
            entered = [created + span * (k / (stage + 1)) for k in range(stage)] if stage > 1 else [created]
            entered[0] = created
            row = {
                "id": pk,
                "customer_id": customer["id"],
                "name": f"{customer['legal_name'][:6]}数字化项目{pk}",
                "source": rng.choice(SOURCES),
                "pain_points": "现有系统割裂,数据无法共享。",
                "budget_min": Decimal(rng.randint(10, 100) * 10_000),
                "expected_close_date": today + datetime.timedelta(days=rng.randint(-30, 180)),
                "stage": stage,
                "status": status,
                "owner_id": owner,
                "stage_entered_at": entered[-1] if not stalled else min(entered[-1], now - quiet),
                "created_at": created,
                "updated_at": last,
            }
            row["budget_max"] = row["budget_min"] + Decimal(rng.randint(0, 50) * 10_000)
            row["quiet_since"], row["last_keypoint_at"] = row["stage_entered_at"], None
            history.append(_change(len(history) + 1, pk, "created", None, 1, "", "open", owner, created))
            for k in range(1, stage):
                history.append(_change(len(history) + 1, pk, "advance", k, k + 1, "open", "open", owner, entered[k]))
            if status != "open":
                kind = {"on_hold": "hold", "lost": "lost", "completed": "complete"}[status]
                change = _change(len(history) + 1, pk, kind, stage, stage, "open", status, owner, last)
                if status == "lost":
                    row.update(lost_reason_id=lost_reason.pk, status_note="客户选择了竞品。")
                    change["lost_reason_id"] = lost_reason.pk
                    change["reason"] = "客户选择了竞品。"
                if status == "on_hold":
                    row.update(
                        resume_on=today + datetime.timedelta(days=rng.randint(-10, 60)), status_note="预算冻结。"
                    )
                    change["resume_on"] = row["resume_on"]
                history.append(change)

            contact_id = customer["id"] * 2 - 1
            moments = sorted(created + span * rng.random() for _ in range(size))
            if moments:
                moments[-1] = last
            for n, moment in enumerate(moments):
                kp_id += 1
                kp_stage = next((k + 1 for k in range(stage - 1, -1, -1) if entered[k] <= moment), 1)
                newest = n == len(moments) - 1
                keypoint = _keypoint(rng, kp_id, pk, kp_stage, moment, owner, today, newest and status == "open")
                filled = completeness(SimpleNamespace(**keypoint), [contact_id])
                keypoint["elements_filled"], keypoint["elements_total"], keypoint["missing_elements"] = filled
                keypoint["is_complete"] = not filled[2]
                if kp_stage == 5 and keypoint["contract_number"] and keypoint["signing_date"]:
                    row["signed_amount"], row["signed_on"] = keypoint["signed_amount"], keypoint["signing_date"]
                keypoints.append(keypoint)
                if kp_stage == stage:
                    row["quiet_since"] = max(row["quiet_since"], moment)
                row["last_keypoint_at"] = max(row["last_keypoint_at"] or moment, moment)
                ours.append({"id": kp_id, "keypoint_id": kp_id, "user_id": owner})
                theirs.append({"id": kp_id, "keypoint_id": kp_id, "contact_id": contact_id})
            projects.append(row)
        # Each project's quiet_since and last_keypoint_at as computed above, not by the triggers that keep
        # them (keypoints/activity.py): a project update per key point would leave the table twice its size, as no
        # restored or long-vacuumed database is. (Foreign keys checked as rows come: a table with checks
        # pending cannot be altered.)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        triggers = [(Project, "project_activity"), (KeyPoint, "keypoint_activity"), (KeyPoint, day_counts.TRIGGER)]
        for model, trigger in triggers:
            cursor.execute(f'ALTER TABLE "{model._meta.db_table}" DISABLE TRIGGER {trigger}')
        copier.copy(Project, projects)
        copier.copy(StageHistory, history)
        log(f"  {len(projects):,} projects, {len(history):,} stage changes ({time.perf_counter() - started:.0f} s)")
        # Stored in the order they happened, as a team logs them day after day (not project by project):
        # a period's key points then sit together in the table, as they do in a real database.
        keypoints.sort(key=lambda keypoint: (keypoint["occurred_at"], keypoint["id"]))
        renumbered = {keypoint["id"]: number for number, keypoint in enumerate(keypoints, start=1)}
        for keypoint in keypoints:
            keypoint["id"] = renumbered[keypoint["id"]]
        for link in (*ours, *theirs):
            link["keypoint_id"] = renumbered[link["keypoint_id"]]
        copier.copy(KeyPoint, keypoints)
        for model, trigger in triggers:
            cursor.execute(f'ALTER TABLE "{model._meta.db_table}" ENABLE TRIGGER {trigger}')
        # The dashboard's counts per author and day, from every key point at once (a row update per key
        # point through the trigger would take longer and leave the table bloated).
        day_counts.rebuild(cursor)
        copier.copy(kp_tables[0], sorted(ours, key=lambda link: link["keypoint_id"]))
        copier.copy(kp_tables[1], sorted(theirs, key=lambda link: link["keypoint_id"]))
        log(f"  {len(keypoints):,} key points ({time.perf_counter() - started:.0f} s)")
        for model in [User, Customer, Contact, Project, KeyPoint, StageHistory, *kp_tables]:
            table = model._meta.db_table
            sequence = f"pg_get_serial_sequence('\"{table}\"', 'id')"
            cursor.execute(f'SELECT setval({sequence}, COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)')
    vacuum()
    seconds = time.perf_counter() - started
    log(f"  built in {seconds:.0f} s")
    return {
        "users": len(users),
        "customers": len(customers),
        "projects": len(projects),
        "keypoints": len(keypoints),
        "long_projects": list(range(1, len(long_sizes) + 1)),
        "seconds": round(seconds, 1),
    }


def _change(pk, project, kind, from_stage, to_stage, from_status, to_status, actor, at):
    return {
        "id": pk,
        "project_id": project,
        "kind": kind,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "from_status": from_status,
        "to_status": to_status,
        "actor_id": actor,
        "at": at,
    }


# What a rep writes for each stage's own elements; about one record in six leaves one out.
STAGE_TEXT = {
    1: {"source_channel": "referral", "first_conversation": "客户主动来电咨询产品。",
        "need_keywords": "高兼容性、快速部署", "lead_rating": "B", "lead_rating_basis": "预算明确,决策链未知。"},
    2: {"question_list": "现有系统?预算?时间表?", "explicit_pains": "订单处理慢。",
        "implicit_needs": "希望统一数据口径。", "decision_process": "技术评估后由财务审批。"},
    3: {"solution_highlights": "模块化部署,三个月上线。", "objections": "担心与旧系统的兼容。",
        "objection_response": "提供接口适配层并安排试点。", "promised_material": "兼容性白皮书"},
    4: {"price_before": Decimal("1200000"), "price_after": Decimal("1080000"), "payment_terms": "3-6-1 分期",
        "other_terms": "违约金 5%,质保一年。", "floor_price": Decimal("1000000"), "needs_approval": False},
    5: {"contract_number": "HT-{id}", "signed_amount": Decimal("1080000"), "signing_date": "date",
        "payment_schedule": "签约 30%,上线 60%,验收 10%。", "risks": "交付周期紧。"},
    6: {"delivery_milestones": "一期已上线。", "payments_received": Decimal("324000"),
        "delivery_risks": "客户人员变动。", "acceptance": "一期验收通过。"},
    7: {"issues_resolution": "报表导出慢,已优化。", "satisfaction": 4, "renewal_opportunity": "二期扩展到分公司。"},
}  # fmt: skip


def _keypoint(rng, pk, project, stage, moment, owner, today, open_step):
    keypoint = {
        "id": pk,
        "project_id": project,
        "stage": stage,
        "occurred_at": moment,
        "method": rng.choice(METHODS),
        "summary": f"第 {pk} 次沟通:客户确认预算与上线时间,对方案的兼容性提出问题。",
        "customer_feedback": "认可方案方向,关注交付周期。",
        "obstacles": "财务审批流程较长。",
        "named_obstacle": "财务审批流程较长。",
        "our_response": "提供分阶段付款方案。",
        "next_step": "发送报价单并约下次会议",
        "next_step_owner_id": owner,
        "next_step_due": moment.date() + datetime.timedelta(days=rng.randint(3, 14)),
        "next_step_status": "open" if open_step else "done",
        "next_step_done_at": None if open_step else moment + datetime.timedelta(days=2),
        "author_id": owner,
        "created_at": moment,
        "updated_at": moment,
    }
    for values in STAGE_TEXT.values():
        for name in values:
            keypoint[name] = None if name in _NULLABLE else ""
    skip = rng.choice(list(STAGE_TEXT[stage])) if rng.random() < 1 / 6 else None
    for name, value in STAGE_TEXT[stage].items():
        if name == skip:
            continue
        if value == "date":
            value = moment.date()
        elif name == "contract_number":
            value = value.format(id=pk)
        keypoint[name] = value
    return keypoint


_NULLABLE = {
    "price_before", "price_after", "floor_price", "needs_approval", "signed_amount", "signing_date",
    "payments_received", "satisfaction",
}  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 300,000 key points; 0.1, 0.001 (tiny)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--replace", action="store_true", help="replace every user and record in the database")
    args = parser.parse_args()
    if not args.replace:
        parser.error("this replaces every user and record in the database: pass --replace to confirm")
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(json.dumps(build(scale=args.scale, seed=args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
