"""How people, employers and training schools in Shanxi write: names, places, filler phrases,
dialect, posting boilerplate. Data, and :func:`brand_for`; the generators pick from it with a
seeded RNG.

All of it is invented sample text. Brand words are common shop-sign words, not real companies.
"""

from __future__ import annotations

import numpy as np

#: Common surnames with rough relative frequencies (national rank, with Shanxi's 郭/贾/武/郝/霍/阎 lifted).
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.2),
    ("李", 7.0),
    ("张", 6.8),
    ("刘", 5.4),
    ("赵", 2.6),
    ("杨", 3.0),
    ("郭", 2.2),
    ("陈", 2.0),
    ("高", 1.6),
    ("武", 1.4),
    ("贾", 1.2),
    ("梁", 1.1),
    ("田", 1.0),
    ("郝", 1.0),
    ("霍", 0.8),
    ("阎", 0.7),
    ("马", 1.2),
    ("孙", 1.2),
    ("胡", 0.9),
    ("牛", 0.7),
    ("韩", 0.8),
    ("薛", 0.6),
    ("段", 0.6),
    ("乔", 0.6),
    ("任", 0.7),
    ("宋", 0.7),
    ("白", 0.6),
    ("吴", 0.8),
    ("周", 0.9),
    ("徐", 0.8),
    ("冯", 0.6),
    ("程", 0.5),
    ("曹", 0.6),
    ("秦", 0.5),
    ("侯", 0.5),
    ("常", 0.5),
    ("崔", 0.5),
    ("康", 0.4),
    ("史", 0.4),
    ("温", 0.4),
    ("闫", 0.6),
    ("苏", 0.4),
    ("卫", 0.3),
    ("柴", 0.3),
    ("渠", 0.2),
    ("申", 0.3),
    ("靳", 0.3),
    ("聂", 0.3),
)
#: Given-name characters by gender; older and younger generations mixed.
# fmt: off
GIVEN_MALE = (
    "建国", "建军", "建平", "卫东", "志强", "志刚", "国强", "海军", "永红", "保平", "俊峰", "晓东", "文斌",
    "鹏", "磊", "强", "伟", "军", "勇", "涛", "斌", "杰", "浩", "宇", "轩", "博", "鑫", "亮", "峰", "明",
    "刚", "平", "宏", "新", "旺", "福", "生", "虎", "成", "龙", "栋", "凯", "超", "帅", "辉", "宁", "锋",
    "晨", "阳", "泽",
)
# fmt: on
# fmt: off
GIVEN_FEMALE = (
    "秀英", "桂兰", "秀兰", "玉梅", "翠花", "桂芳", "丽娟", "美玲", "春梅", "金凤", "红梅", "彩霞", "晓燕",
    "丽", "芳", "娟", "敏", "静", "燕", "霞", "婷", "艳", "颖", "琳", "雪", "倩", "悦", "欣", "怡", "萱",
    "蓉", "慧", "洁", "琴", "瑶", "佳", "妮", "媛", "婧", "璐", "蕾", "萍", "兰", "英", "梅", "花", "荣",
    "云", "凤", "珍",
)
# fmt: on

#: Places a Shanxi migrant worker has worked in (outside and inside the province).
# fmt: off
WORK_PLACES = (
    "北京", "天津", "石家庄", "鄂尔多斯", "包头", "呼和浩特", "西安", "榆林", "郑州", "济南", "上海",
    "苏州", "深圳", "东莞", "太原", "晋中", "大同", "长治", "吕梁", "朔州", "运城", "临汾", "县城", "镇上",
    "老家", "村里", "附近", "外地", "南方",
)
# fmt: on
#: Shanxi village name patterns: prefix + suffix.
# fmt: off
VILLAGE_PREFIX = (
    "东", "西", "南", "北", "前", "后", "上", "下", "大", "小", "新", "高", "石", "柳", "杨", "槐", "枣",
    "红", "马", "王家", "李家", "张家", "刘家", "郭家", "贾家",
)
# fmt: on
VILLAGE_SUFFIX = ["庄", "沟", "峪", "坪", "堡", "寨", "营", "湾", "塔", "圪垛", "河", "村", "关", "头", "洼"]

#: Filler phrases about a person, not about a trade.
FILLER_STRONG = (
    "能吃苦",
    "身体好，啥苦都能吃",
    "力气活都能干",
    "肯干，不怕累",
    "甚活都能干",
    "人实在，能吃苦耐劳",
)
FILLER_NOTHING = (
    "没啥手艺，能吃苦",
    "啥也不会，就会种地",
    "没出去打过工，一直在家",
    "没学过甚手艺",
    "一直在家带孩子，没上过班",
    "刚毕业，还没工作过",
)
FILLER_DRIVES = ("会开三轮车", "有C1驾照", "会开农用车", "有驾照，会开车", "会骑电动车")
FILLER_PHONE = ("会用智能手机", "平时刷抖音快手", "会用微信、网购", "会用电脑打字")
FILLER_LEARN = (
    "想学门手艺",
    "想找个离家近的活",
    "想多挣点钱",
    "家里有老人，想在附近干",
    "孩子上学，想在县城找活",
)
#: Templates for a wish to learn or do a trade; {a} is a trade alias.
INTEREST_TEMPLATES = ("想学{a}", "听说{a}挣钱多，想去学学", "对{a}感兴趣", "以后想干{a}", "想考个{a}的证")
#: Dialect openings (晋语 flavour) prefixed to some profiles.
DIALECT_OPENERS = ("俺", "俺们", "我")
#: Routine work, not a trade skill, that people list in their history.
HISTORY_FILLERS = (
    "在家种地",
    "农闲时打零工",
    "在家照顾老人孩子",
    "在工地上打小工",
    "在超市理过货",
    "在砖厂干过",
)

#: Period formats for a work-history entry; {a}=start year, {b}=end year, {n}=years.
PERIOD_TEMPLATES = ("{a}年到{b}年", "{a}-{b}年", "{a}年起", "前些年", "{b}年以前", "干了{n}年，")

#: Employer name suffixes per industry and employer kind (企业, 个体工商户, 民办非企业单位).
EMPLOYER_SUFFIXES: dict[str, dict[str, tuple[str, ...]]] = {
    "建筑": {
        "企业": ("建筑工程有限公司", "建设集团有限公司", "建筑劳务有限公司"),
        "个体工商户": ("装修队", "建筑装饰部"),
        "民办非企业单位": (),
    },
    "制造": {
        "企业": ("机械制造有限公司", "钢结构有限公司", "装备制造有限公司"),
        "个体工商户": ("铁艺加工部", "机械修理部"),
        "民办非企业单位": (),
    },
    "服装": {
        "企业": ("服饰有限公司", "制衣有限公司"),
        "个体工商户": ("裁缝铺", "服装加工坊"),
        "民办非企业单位": (),
    },
    "食品": {
        "企业": ("食品有限公司", "醋业有限公司", "酿造有限公司"),
        "个体工商户": ("醋坊", "食品加工坊"),
        "民办非企业单位": (),
    },
    "煤矿": {"企业": ("煤业有限公司", "矿业有限公司"), "个体工商户": (), "民办非企业单位": ()},
    "旅游": {
        "企业": ("文化旅游开发有限公司", "酒店管理有限公司"),
        "个体工商户": ("农家乐", "民宿", "客栈"),
        "民办非企业单位": (),
    },
    "餐饮": {
        "企业": ("餐饮管理有限公司", "酒店有限公司"),
        "个体工商户": ("面馆", "饭店", "快餐店", "农家菜馆"),
        "民办非企业单位": (),
    },
    "维修": {
        "企业": ("电器服务有限公司", "家电售后服务有限公司"),
        "个体工商户": ("家电维修部", "空调安装部"),
        "民办非企业单位": (),
    },
    "汽修": {
        "企业": ("汽车销售服务有限公司", "汽车维修有限公司"),
        "个体工商户": ("汽修厂", "汽车修理部"),
        "民办非企业单位": (),
    },
    "农业": {
        "企业": ("农业科技有限公司", "农业开发有限公司"),
        "个体工商户": ("家庭农场", "种植专业户", "养殖场"),
        "民办非企业单位": (),
    },
    "家政": {
        "企业": ("家政服务有限公司", "母婴护理服务有限公司"),
        "个体工商户": ("家政服务部",),
        "民办非企业单位": ("社区服务中心",),
    },
    "物业": {
        "企业": ("物业管理有限公司", "保洁服务有限公司"),
        "个体工商户": ("保洁服务部",),
        "民办非企业单位": (),
    },
    "保安": {"企业": ("保安服务有限公司",), "个体工商户": (), "民办非企业单位": ()},
    "物流": {
        "企业": ("物流有限公司", "供应链管理有限公司", "速递有限公司"),
        "个体工商户": ("快递驿站", "货运部"),
        "民办非企业单位": (),
    },
    "养老": {
        "企业": ("康养服务有限公司", "健康管理有限公司"),
        "个体工商户": (),
        "民办非企业单位": ("养老院", "老年公寓", "日间照料中心", "颐养中心"),
    },
    "电商": {
        "企业": ("电子商务有限公司", "网络科技有限公司", "文化传媒有限公司"),
        "个体工商户": ("网店", "农产品直播间"),
        "民办非企业单位": (),
    },
    "文旅": {
        "企业": ("文化创意有限公司",),
        "个体工商户": ("剪纸工作室", "手工艺品店"),
        "民办非企业单位": ("非遗传习所",),
    },
}
#: Shop-sign words for employer and institution names, used anywhere in Shanxi: none names a place.
# fmt: off
BRANDS = (
    "华晋", "三晋", "鑫源", "众诚", "金凤", "恒泰", "宏达", "兴盛", "永安", "瑞丰", "德顺", "盛世",
    "安康", "福瑞", "晋丰", "新源", "博远", "聚力", "天成", "嘉禾", "泰和", "百川", "同心", "顺达",
    "惠民", "康宁", "阳光", "红星", "金穗", "绿源", "华瑞", "东方", "中兴", "万家", "创新",
)
# fmt: on
#: Place-bound shop-sign words (a city's old name, nickname, river or mountain), by 4-digit city
#: code: a name carries one only in its own city ("龙城" is 太原, "吕梁山" is 吕梁).
REGIONAL_BRANDS: dict[str, tuple[str, ...]] = {
    "1401": ("龙城", "晋源", "并州", "汾河"),
    "1402": ("云冈", "御河"),
    "1403": ("桃河", "娘子关", "太行"),
    "1404": ("上党", "太行", "漳河"),
    "1405": ("太行", "丹河", "沁河"),
    "1406": ("桑干河", "马邑"),
    "1407": ("晋商", "太行", "汾河"),
    "1408": ("河东", "中条山"),
    "1409": ("秀容", "雁门", "滹沱河"),
    "1410": ("平阳", "汾河", "壶口"),
    "1411": ("吕梁山", "三川"),
}
#: share of names that take a place-bound word of their own city
REGIONAL_SHARE = 0.3


def brand_for(rng: np.random.Generator, city_code: str) -> str:
    """A shop-sign word for a name in the city with 4-digit code ``city_code``: mostly a general
    one, sometimes one of the city's own (:data:`REGIONAL_BRANDS`), never another city's."""
    regional = REGIONAL_BRANDS.get(city_code, ())
    if regional and rng.random() < REGIONAL_SHARE:
        return regional[int(rng.integers(len(regional)))]
    return BRANDS[int(rng.integers(len(BRANDS)))]


#: Company introductions: deliberately about other business lines, so that an intro must not
#: drive a match. {brand} is the employer's brand word.
COMPANY_INTROS = (
    "我公司成立于{year}年，是一家集房地产开发、物业管理、酒店餐饮于一体的综合性企业，注册资金{capital}万元。",
    "{brand}成立于{year}年，业务涵盖商贸物流、农产品加工、电子商务、文化旅游等多个领域，是市级龙头企业。",
    "本单位始建于{year}年，现有员工{staff}余人，坚持“诚信、务实、创新、共赢”的经营理念，多次获评守合同重信用企业。",
    "{brand}是一家快速发展的民营企业，下设建筑、保洁、安保、家政、养老等多家子公司，期待您的加入！",
    "公司位于{place}，交通便利，环境优美，连续多年被评为“劳动关系和谐企业”。",
)
#: Benefit boilerplate.
BENEFITS = (
    "五险一金",
    "包吃住",
    "管吃管住",
    "年底双薪",
    "节日福利",
    "带薪年假",
    "定期体检",
    "工资按月发放，不拖欠",
    "提供免费工装",
    "满一年涨工资",
    "有宿舍，拎包入住",
    "交通补贴",
    "全勤奖",
    "生日福利",
)
CONTACT_TEMPLATES = (
    "联系电话：{phone}（{surname}经理）",
    "有意者请电话联系{surname}女士：{phone}",
    "报名咨询：{phone}",
)
#: Unlawful requirements seen in real postings; about 1% of orders carry one (the loader flags them).
UNLAWFUL = ("限男性", "仅限汉族", "只招男性", "限女性", "仅限汉族，男性优先")

#: Programme description pieces. {group}: who it serves; {content}: course modules.
PROGRAMME_OPENERS = (
    "本项目面向{group}开展{ttype}，",
    "为帮助{group}提升技能、稳定就业，我校开设本期培训班，",
    "根据“人人持证、技能山西”建设要求，面向{group}招收学员，",
    "本期培训由人社部门监制，面向{group}，",
)
PROGRAMME_GROUPS = (
    "农村转移劳动力",
    "返乡农民工",
    "脱贫劳动力",
    "农村转移劳动力、返乡农民工",
    "城乡各类劳动者",
    "在岗职工",
)
PROGRAMME_CLOSERS = (
    "结业考核合格者颁发{certificate}。",
    "培训合格后参加职业技能等级认定，合格者取得{certificate}。",
    "符合条件的学员可按规定申请职业培训补贴，脱贫劳动力等可享受生活费补贴。",
    "理论与实操相结合，包教包会，推荐就业。",
    "名额有限，报满即止。",
    "报名需携带身份证、户口本复印件及一寸照片两张。",
)
