import { hashPassword } from "../src/auth/password.ts";
import { loadConfig } from "../src/config.ts";
import { logger } from "../src/logger.ts";
import { createServices, resolveDatabase, type Services } from "../src/system.ts";
import { DEMO_ORG, type DemoDepartment } from "./demo-org.ts";

export const DEMO_PASSWORD = "demo12345";

/** Twenty categories with the unit the dispatch catalogue suggests. */
const CATEGORIES: Array<[code: string, name: string, nameEn: string, dept: string | null]> = [
  ["water-supply", "供水问题", "Water supply", "water"],
  ["power-supply", "供电问题", "Power supply", "power"],
  ["gas-supply", "燃气问题", "Gas supply", "housing"],
  ["noise", "噪声扰民", "Noise", "ecology"],
  ["sanitation", "环境卫生", "Sanitation", "dc-chengguan"],
  ["illegal-building", "违章建筑", "Illegal construction", "dc-chengguan"],
  ["road-traffic", "道路交通", "Road traffic", "transport"],
  ["public-transport", "公共交通", "Public transport", "transport"],
  ["property-mgmt", "物业管理", "Property management", "housing"],
  ["wage-arrears", "劳动欠薪", "Unpaid wages", "hrss"],
  ["social-security", "社会保障", "Social security", "hrss"],
  ["education", "教育问题", "Education", "education"],
  ["healthcare", "医疗卫生", "Healthcare", "health"],
  ["food-safety", "食品安全", "Food safety", "market"],
  ["consumer-rights", "消费维权", "Consumer rights", "market"],
  ["city-mgmt", "城市管理", "City management", "dc-chengguan"],
  ["greening", "园林绿化", "Parks and greening", "housing"],
  ["air-pollution", "大气污染", "Air pollution", "ecology"],
  ["housing-security", "住房保障", "Housing security", "housing"],
  // Answered on the call (直接答复): no unit; the desk proposes ANSWER_DIRECTLY.
  ["policy-consult", "政策咨询", "Policy enquiries", null],
];

/** The demo users (password DEMO_PASSWORD); names are people's names, the role shows beside them. */
export const DEMO_USERS: Array<
  [
    username: string,
    displayName: string,
    role: "agent" | "reviewer" | "handler" | "manager",
    dept: string | null,
  ]
> = [
  ["agent1", "李娜", "agent", "hotline"],
  ["agent2", "王芳", "agent", "hotline"],
  ["reviewer1", "张伟", "reviewer", "hotline"],
  ["manager1", "督办室 刘强", "manager", null],
  ["handler1", "东城区 陈静", "handler", "dongcheng"],
  ["handler2", "西城区 杨洋", "handler", "xicheng"],
  ["handler3", "和平里街道 赵磊", "handler", "dc-hepingli"],
  ["handler-water", "水务集团 周敏", "handler", "water"],
  ["handler-housing", "住建局 吴刚", "handler", "housing"],
  ["handler-cg", "东城区城管局 孙丽", "handler", "dc-chengguan"],
  // Someone to sign at every unit the dispatch catalogue suggests.
  ["handler-nanhu", "南湖区 林涛", "handler", "nanhu"],
  ["handler-eco", "生态环境局 郑洁", "handler", "ecology"],
  ["handler-power", "供电公司 冯涛", "handler", "power"],
  ["handler-transport", "交通运输局 何平", "handler", "transport"],
  ["handler-hrss", "人社局 韩梅", "handler", "hrss"],
  ["handler-education", "教育局 许峰", "handler", "education"],
  ["handler-health", "卫健委 曹敏", "handler", "health"],
  ["handler-market", "市场监管局 邓超", "handler", "market"],
];

/** The demo users for the start-up message: one line per role, each user with its department. */
export function demoUserLines(): string[] {
  const names = new Map<string, string>();
  const walk = (d: DemoDepartment) => {
    names.set(d.code, d.name);
    for (const child of d.children ?? []) walk(child);
  };
  walk(DEMO_ORG);
  const roles = [...new Set(DEMO_USERS.map(([, , role]) => role))];
  const width = Math.max(...roles.map((r) => r.length));
  return roles.map(
    (role) =>
      `${role.padEnd(width)}  ${DEMO_USERS.filter(([, , r]) => r === role)
        .map(([username, , , dept]) => (dept ? `${username} (${names.get(dept) ?? dept})` : username))
        .join(", ")}`,
  );
}

/** Idempotent: does nothing when the demo organisation is already there. */
export async function seedDemo(s: Services): Promise<boolean> {
  if (await s.db.department.findUnique({ where: { code: DEMO_ORG.code } })) return false;
  const ids = new Map<string, number>();
  const create = async (d: DemoDepartment, parentId: number | null) => {
    const row = await s.org.createDepartment({
      code: d.code,
      name: d.name,
      nameEn: d.nameEn,
      parentId,
      handlesTickets: d.handlesTickets ?? true,
    });
    ids.set(d.code, row.id);
    for (const child of d.children ?? []) await create(child, row.id);
  };
  await create(DEMO_ORG, null);
  for (const [code, name, nameEn, dept] of CATEGORIES) {
    await s.org.createCategory({
      code,
      name,
      nameEn,
      defaultDepartmentId: dept ? (ids.get(dept) ?? null) : null,
      answerDirectly: dept === null,
    });
  }
  // Area-specific catalogue entries: sanitation in Xicheng and Nanhu goes to the district.
  await s.org.putDispatchRule({
    categoryCode: "sanitation",
    area: "xicheng",
    departmentId: ids.get("xicheng") as number,
  });
  await s.org.putDispatchRule({
    categoryCode: "sanitation",
    area: "nanhu",
    departmentId: ids.get("nanhu") as number,
  });
  // Every demo user has the same password: hashed once (a hash costs ~0.5 s of CPU), not per user.
  const demoHash = await hashPassword(DEMO_PASSWORD);
  for (const [username, displayName, role, dept] of DEMO_USERS) {
    await s.org.createUser(
      {
        username,
        password: DEMO_PASSWORD,
        displayName,
        role,
        departmentId: dept ? (ids.get(dept) ?? null) : null,
      },
      demoHash,
    );
  }
  logger.info(
    { departments: ids.size, categories: CATEGORIES.length, users: DEMO_USERS.length },
    "demo organisation loaded",
  );
  return true;
}

// `npm run seed:demo`
if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  const { url, embedded } = await resolveDatabase(config);
  const s = await createServices(config, url);
  await s.auth.ensureAdmin(config.adminPassword);
  console.log((await seedDemo(s)) ? "demo organisation loaded" : "demo organisation already present");
  await s.queues.close();
  await s.db.$disconnect();
  await embedded?.stop();
}
