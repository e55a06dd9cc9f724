/** The department tree in memory: departments are few (hundreds), tickets are many. */
export interface DepartmentNode {
  id: number;
  code: string;
  name: string;
  nameEn: string | null;
  parentId: number | null;
  path: string;
  /** Absent in tests that build trees by hand: they handle tickets. */
  handlesTickets?: boolean;
}

export class DepartmentTree {
  private readonly byId: Map<number, DepartmentNode>;

  constructor(nodes: DepartmentNode[]) {
    this.byId = new Map(nodes.map((n) => [n.id, n]));
  }

  get(id: number): DepartmentNode | undefined {
    return this.byId.get(id);
  }

  all(): DepartmentNode[] {
    return [...this.byId.values()];
  }

  /** True when `id` is `ancestorId` or lies below it. */
  contains(ancestorId: number, id: number | null | undefined): boolean {
    if (id == null) return false;
    const ancestor = this.byId.get(ancestorId);
    const node = this.byId.get(id);
    return !!ancestor && !!node && node.path.startsWith(ancestor.path);
  }

  /** The department and all its descendants. */
  subtreeIds(id: number): number[] {
    const root = this.byId.get(id);
    if (!root) return [];
    return this.all()
      .filter((n) => n.path.startsWith(root.path))
      .map((n) => n.id);
  }

  isChild(parentId: number, id: number): boolean {
    return this.byId.get(id)?.parentId === parentId;
  }

  static childPath(parent: DepartmentNode | undefined, id: number): string {
    return `${parent ? parent.path : "/"}${id}/`;
  }
}
