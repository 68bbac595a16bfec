"""What the demo's key points say, stage by stage, in the words of the source guide.

Each stage has a few variants; a record takes the variant its deal and its place in the stage point
to, and fills in the deal's own facts (contact, pain points, prices). Lines that go together (an
obstacle and our response to it) sit in one tuple, so that they stay together.
"""

from keypoints.models import Method
from keypoints.stages import StageNumber

CHANNEL = {
    "inbound": "客户主动来电咨询",
    "trade_show": "行业展会交流后回访",
    "referral": "经老客户转介绍",
    "website": "客户通过官网留言咨询",
    "outbound": "电话陌拜",
    "other": "经合作伙伴推荐",
}

RATING_BASIS = {
    "A": "预算明确,需求紧急,决策人已参与",
    "B": "需求清晰,预算待审批",
    "C": "需求初步,决策人尚不明确",
}


def lead(v):
    summary, method = [
        ("{channel},与客户{who}电话沟通,初步了解“{project}”的背景与预算。", Method.PHONE),
        ("{channel},拜访客户{who},介绍我司产品并了解“{project}”的初步设想。", Method.ON_SITE),
        ("{channel},与客户{who}微信语音沟通,确认“{project}”的启动时间。", Method.WECHAT),
    ][v % 3]
    obstacles, response, next_step = [
        ("客户同时在对比 3 家供应商。", "约定下周上门调研,先把需求摸清。", "上门调研,梳理需求与决策链"),
        ("预算尚未审批,决策人尚不明确。", "发送产品资料与同行业案例,请对方引荐决策人。", "发送案例资料并约见决策人"),
        (
            "客户对上一家供应商的实施质量不满,对新系统心存顾虑。",
            "分享同行业成功案例,邀请参观样板客户。",
            "安排需求调研会",
        ),
    ][v % 3]
    return {
        "method": method,
        "summary": summary,
        "customer_feedback": "客户表示:{pain}",
        "obstacles": obstacles,
        "our_response": response,
        "next_step": next_step,
        "next_days": 7,
        "source_channel": "{source}",
        "first_conversation": [
            "客户提到计划年内上线新系统,目前对比 3 家供应商。",
            "客户希望明年一季度前完成选型,预算正在编制。",
            "客户已有初步设想,想先了解我方在同行业的落地案例。",
        ][v % 3],
        "need_keywords": "{need}",
        "lead_rating": "{rating}",
        "lead_rating_basis": "{rating_basis}",
    }


def needs(v):
    summary, method = [
        ("与客户{who}现场调研,梳理“{project}”涉及的业务现状。", Method.ON_SITE),
        ("与客户{who}线上会议,逐项确认需求清单。", Method.ONLINE_MEETING),
        ("到客户现场访谈{who}及一线使用人员,了解日常操作流程。", Method.ON_SITE),
    ][v % 3]
    obstacles, response, next_step = [
        ("客户担心员工培训成本高。", "承诺提供分批培训计划。", "准备方案演示"),
        (
            "IT 部人手紧张,担心接口开发占用内部资源。",
            "提出由我方负责接口开发与数据迁移。",
            "整理需求清单发客户确认",
        ),
        ("各部门对优先级意见不一。", "建议一期先上核心模块,二期再扩展。", "输出调研报告并预约方案汇报"),
    ][v % 3]
    return {
        "method": method,
        "summary": summary,
        "customer_feedback": "客户强调:{pain}",
        "obstacles": obstacles,
        "our_response": response,
        "next_step": next_step,
        "next_days": 14,
        "question_list": [
            "当前系统最影响效率的环节是?选型时最看重的 3 个因素是什么?",
            "现有数据分散在哪些系统?上线时间有没有硬性节点?",
            "谁来评估方案?预算由哪个部门审批?",
        ][v % 3],
        "explicit_pains": "{pain}",
        "implicit_needs": [
            "希望供应商提供 3 个月免费运维支持。",
            "希望分期付款,减轻当年资金压力。",
            "希望上线不影响旺季生产。",
        ][v % 3],
        "decision_process": "{decision_process}",
    }


def solution(v):
    summary, method = [
        ("技术顾问向客户{who}等演示方案。", Method.ON_SITE),
        ("线上向客户{who}汇报方案,并逐条答疑。", Method.ONLINE_MEETING),
        ("请客户{who}来我司会议室,演示系统原型。", Method.MEETING),
    ][v % 3]
    feedback, objection, answer, material, next_step = [
        (
            "客户认可技术匹配度,但对报价中的定制开发费有疑问。",
            "定制开发费占比过高(占预算 35%)。",
            "提供同行业案例证明定制开发费为市场均价,提出分阶段支付。",
            "2 个同行业案例企业的实施效果报告。",
            "发送同行业案例与分阶段支付方案",
        ),
        (
            "客户对系统易用性评价较高,希望看到同行业的落地效果。",
            "缺少同行业落地案例,担心系统不适配。",
            "安排参观 1 家同行业样板客户,提供实施效果报告。",
            "样板客户参观安排与实施计划书。",
            "安排样板客户参观",
        ),
        (
            "客户认为方案可行,但担心交付周期。",
            "交付周期 90 天过长,担心影响年底结账。",
            "承诺增加 1 名开发工程师,缩短至 45 天。",
            "分阶段交付计划与人员配置表。",
            "提交修订版方案与报价",
        ),
    ][v % 3]
    return {
        "method": method,
        "summary": summary,
        "customer_feedback": feedback,
        "obstacles": objection,
        "our_response": answer,
        "next_step": next_step,
        "next_days": 7,
        "solution_highlights": "{highlight}",
        "objections": objection,
        "objection_response": answer,
        "promised_material": material,
    }


def negotiation(v):
    summary, method = [
        ("销售经理与客户{who}谈判,价格从 {before} 万降至 {after} 万。", Method.MEETING),
        ("与客户{who}进行一轮商务谈判,价格谈至 {after} 万(原报价 {before} 万)。", Method.ON_SITE),
        ("与客户{who}线上沟通合同条款,价格从 {before} 万调整为 {after} 万。", Method.ONLINE_MEETING),
    ][v % 3]
    feedback, obstacles, response, payment_terms, other_terms, next_step = [
        (
            "客户坚持账期 60 天(我方标准 30 天)。",
            "客户资金紧张。",
            "协调财务部评估“预付款 20% + 剩余货款 40 天内付清”的折中方案。",
            "客户要求 60 天账期;折中方案:预付 20%,余款 40 天内付清",
            "增加 3 年质保;交付延期违约金条款待定",
            "财务部评估折中付款方案",
        ),
        (
            "客户要求提供增值税专票,并把质保期延长到 3 年。",
            "客户财务部要求提供增值税专票,需确认开票主体。",
            "由公司财务出具开票说明,确认可开具专票;质保延长 1 年作为让步。",
            "签约付 30%,上线付 50%,验收后付 20%",
            "质保 2 年延长至 3 年;交付延期违约金每周 0.5%,上限 5%",
            "发送合同草稿给客户法务",
        ),
        (
            "客户拿竞品报价压价,要求再降 5%。",
            "竞品报价低 10%,客户以此压价。",
            "强调实施团队与售后响应优势,以增加 20 课时培训代替降价。",
            "月结 30 天",
            "免费培训 20 课时;质保 2 年",
            "提交总监审批特价",
        ),
    ][v % 3]
    return {
        "method": method,
        "summary": summary,
        "customer_feedback": feedback,
        "obstacles": obstacles,
        "our_response": response,
        "next_step": next_step,
        "next_days": 5,
        "payment_terms": payment_terms,
        "other_terms": other_terms,
    }


def contract(v):
    summary, method = [
        ("双方签署合同,合同金额 {signed} 万。", Method.ON_SITE),
        ("客户完成用印,合同扫描件邮件确认,合同金额 {signed} 万。", Method.EMAIL),
    ][v % 2]
    feedback, obstacles, response, schedule, risks = [
        (
            "希望 3 个月内完成一期上线。",
            "一期交付时间紧。",
            "增派 2 名实施工程师。",
            "签约付 30%,上线付 50%,验收后付 20%",
            "一期上线时间紧,逾期违约金为合同额 0.5%/周。",
        ),
        (
            "希望尽快安排项目启动会。",
            "客户关键用户年底工作繁忙,配合时间有限。",
            "调整实施计划,培训安排在周末。",
            "预付 20%,余款 40 天内付清",
            "尾款与验收挂钩,验收标准需在启动会上书面确认。",
        ),
    ][v % 2]
    return {
        "method": method,
        "summary": summary,
        "customer_feedback": feedback,
        "obstacles": obstacles,
        "our_response": response,
        "next_step": "召开项目启动会",
        "next_days": 14,
        "payment_schedule": schedule,
        "risks": risks,
    }


# Fulfilment goes step by step: a record takes the step its place in the stage points to.
FULFILMENT_STEPS = [
    {
        "method": Method.ON_SITE,
        "summary": "召开项目启动会,确认实施计划与双方分工。",
        "customer_feedback": "客户对实施计划无异议,指定了各部门关键用户。",
        "obstacles": "客户历史数据质量差,数据迁移可能延期 1 周。",
        "our_response": "安排专人协助清洗数据,调整里程碑。",
        "next_step": "完成数据迁移与系统配置",
        "next_days": 21,
        "delivery_milestones": "启动会(已完成);数据迁移(进行中);系统配置(未开始);上线(计划);验收(计划)",
        "paid": "0.3",
        "delivery_risks": "历史数据清洗工作量大,可能影响上线时间。",
        "acceptance": "尚未验收",
    },
    {
        "method": Method.ON_SITE,
        "summary": "与客户{who}检查实施进度,数据迁移完成,系统配置过半。",
        "customer_feedback": "一线员工反馈部分界面操作步骤偏多。",
        "obstacles": "部分车间网络不稳定。",
        "our_response": "建议客户增加无线 AP,我方提供离线模式。",
        "next_step": "组织上线前培训",
        "next_days": 14,
        "delivery_milestones": "数据迁移(已完成);系统配置(进行中);上线(计划下月);验收(计划)",
        "paid": "0.3",
        "delivery_risks": "网络改造由客户负责,进度不在我方掌控。",
        "acceptance": "尚未验收",
    },
    {
        "method": Method.ON_SITE,
        "summary": "系统上线试运行,现场支持客户{who}等关键用户。",
        "customer_feedback": "客户对实施团队的响应速度满意,希望增加移动端审批。",
        "obstacles": "客户关键用户变动,新人需重新培训。",
        "our_response": "补充 2 场培训并录制视频教程。",
        "next_step": "收集试运行问题清单并逐项关闭",
        "next_days": 14,
        "delivery_milestones": "系统配置(已完成);上线试运行(进行中);验收(计划)",
        "paid": "0.8",
        "delivery_risks": "移动端审批属于新增需求,需评估是否另行报价。",
        "acceptance": "试运行中,验收标准已书面确认",
    },
    {
        "method": Method.ONLINE_MEETING,
        "summary": "与客户{who}线上复盘试运行问题,确认验收时间。",
        "customer_feedback": "试运行问题已基本关闭,客户同意安排验收。",
        "obstacles": "客户财务年底关账,验收签字可能推迟。",
        "our_response": "提前准备验收材料,请客户{who}协调签字时间。",
        "next_step": "组织上线验收",
        "next_days": 10,
        "delivery_milestones": "上线试运行(已完成);问题清单(已关闭 18/20);验收(已预约)",
        "paid": "0.8",
        "delivery_risks": "验收推迟将影响尾款回收。",
        "acceptance": "验收材料已提交,等待客户签字",
    },
    {
        "method": Method.ON_SITE,
        "summary": "客户组织验收,系统通过验收。",
        "customer_feedback": "客户认可上线效果,{pain_short}的问题已解决。",
        "obstacles": "尾款需走客户付款审批流程。",
        "our_response": "提交验收报告与发票,跟进尾款。",
        "next_step": "移交售后团队,安排首次回访",
        "next_days": 30,
        "delivery_milestones": "全部里程碑已完成",
        "paid": "1",
        "delivery_risks": "无",
        "acceptance": "已通过客户验收,验收报告已签字",
    },
]


def after_sales(v):
    summary, method = [
        ("季度回访客户{who},了解系统使用情况。", Method.ON_SITE),
        ("上门巡检,处理客户{who}反馈的问题。", Method.ON_SITE),
        ("电话回访客户{who},确认问题处理结果。", Method.PHONE),
    ][v % 3]
    feedback, obstacles, response, issues, satisfaction, next_step = [
        (
            "系统运行稳定,报表功能使用频繁。",
            "客户新任 IT 负责人对系统不熟悉。",
            "安排一次管理员培训。",
            "报表导出偶发超时,已优化查询解决。",
            5,
            "下季度回访",
        ),
        (
            "希望增加与钉钉的消息集成。",
            "个别报表加载慢。",
            "优化查询,并给出服务器扩容建议。",
            "2 个权限配置问题,已远程处理;钉钉集成列入需求池。",
            4,
            "发送钉钉集成方案与报价",
        ),
        (
            "问题已处理,客户对响应速度满意。",
            "运维服务明年到期,客户在比较续约报价。",
            "提供续约优惠方案,并承诺 2 小时响应。",
            "客户反馈的数据同步延迟已修复并观察 1 周无复发。",
            4,
            "发送运维续约报价",
        ),
    ][v % 3]
    return {
        "method": method,
        "summary": summary,
        "customer_feedback": feedback,
        "obstacles": obstacles,
        "our_response": response,
        "next_step": next_step,
        "next_days": 30,
        "issues_resolution": issues,
        "satisfaction": satisfaction,
        "renewal_opportunity": "{renewal}",
    }


BY_STAGE = {
    StageNumber.LEAD: lead,
    StageNumber.NEEDS: needs,
    StageNumber.SOLUTION: solution,
    StageNumber.NEGOTIATION: negotiation,
    StageNumber.CONTRACT: contract,
    StageNumber.AFTER_SALES: after_sales,
}
