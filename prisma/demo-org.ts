/**
 * The demo organisation's department tree: loaded by `seed.ts`, and the shape the history
 * generator and the stats tests assume (their ids are creation order, i.e. depth-first order).
 */
export type DemoDepartment = {
  code: string;
  name: string;
  nameEn: string;
  /** False for the city and the hotline centre: they handle no tickets themselves. */
  handlesTickets?: false;
  children?: DemoDepartment[];
};

/** A city hotline's organisation: districts with streets, and the city's functional bureaus. */
export const DEMO_ORG: DemoDepartment = {
  code: "city",
  name: "滨江市",
  nameEn: "Binjiang City",
  handlesTickets: false,
  children: [
    { code: "hotline", name: "市12345热线中心", nameEn: "12345 Hotline Centre", handlesTickets: false },
    {
      code: "dongcheng",
      name: "东城区",
      nameEn: "Dongcheng District",
      children: [
        { code: "dc-hepingli", name: "和平里街道", nameEn: "Hepingli Street" },
        { code: "dc-jianguo", name: "建国街道", nameEn: "Jianguo Street" },
        { code: "dc-chengguan", name: "东城区城管局", nameEn: "Dongcheng Urban Management" },
      ],
    },
    {
      code: "xicheng",
      name: "西城区",
      nameEn: "Xicheng District",
      children: [
        { code: "xc-jinrong", name: "金融街街道", nameEn: "Jinrongjie Street" },
        { code: "xc-yuetan", name: "月坛街道", nameEn: "Yuetan Street" },
      ],
    },
    {
      code: "nanhu",
      name: "南湖区",
      nameEn: "Nanhu District",
      children: [
        { code: "nh-hubin", name: "湖滨街道", nameEn: "Hubin Street" },
        { code: "nh-xinqiao", name: "新桥镇", nameEn: "Xinqiao Town" },
      ],
    },
    { code: "water", name: "市水务集团", nameEn: "City Water Group" },
    { code: "power", name: "市供电公司", nameEn: "City Power Company" },
    { code: "housing", name: "市住建局", nameEn: "Housing and Construction Bureau" },
    { code: "ecology", name: "市生态环境局", nameEn: "Ecology and Environment Bureau" },
    { code: "market", name: "市市场监管局", nameEn: "Market Regulation Bureau" },
    { code: "hrss", name: "市人社局", nameEn: "Human Resources and Social Security Bureau" },
    { code: "transport", name: "市交通运输局", nameEn: "Transport Bureau" },
    { code: "education", name: "市教育局", nameEn: "Education Bureau" },
    { code: "health", name: "市卫健委", nameEn: "Health Commission" },
  ],
};

/** Every department, depth-first (the order `seedDemo` creates them in), with its parent's code. */
export function demoDepartments(): Array<{ code: string; parentCode: string | null }> {
  const out: Array<{ code: string; parentCode: string | null }> = [];
  const walk = (d: DemoDepartment, parentCode: string | null) => {
    out.push({ code: d.code, parentCode });
    for (const child of d.children ?? []) walk(child, d.code);
  };
  walk(DEMO_ORG, null);
  return out;
}

/** Unit → its district-level parent, for units below a district (streets, district bureaus). */
export const DEMO_DISTRICT_OF: Readonly<Record<string, string>> = Object.fromEntries(
  demoDepartments()
    .filter((d) => d.parentCode !== null && d.parentCode !== DEMO_ORG.code)
    .map((d) => [d.code, d.parentCode as string]),
);
