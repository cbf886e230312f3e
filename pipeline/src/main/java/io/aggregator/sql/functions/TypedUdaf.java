package io.aggregator.sql.functions;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.extensions.sql.impl.UdafImpl;
import org.apache.beam.sdk.transforms.Combine.CombineFn;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.rel.type.RelDataType;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.schema.FunctionParameter;
import org.apache.beam.vendor.calcite.v1_28_0.org.apache.calcite.sql.type.SqlTypeName;

/**
 * A user-defined aggregate with declared SQL parameter and result types.
 *
 * <p>Beam SQL's {@code registerUdaf} infers one parameter from the CombineFn's Java input type.
 * Its run time already passes several arguments to a CombineFn as one {@code Row}; only planning
 * stops at one. Declaring the types here lets {@code MAX_BY(x, y)} have two parameters and return
 * the type of {@code x} (one overload per type of {@code x}).
 */
final class TypedUdaf extends UdafImpl<Object, Object, Object> {

  private final List<SqlTypeName> parameters;
  private final SqlTypeName result;

  @SuppressWarnings({"unchecked", "rawtypes"})
  TypedUdaf(CombineFn<?, ?, ?> fn, List<SqlTypeName> parameters, SqlTypeName result) {
    super((CombineFn) fn);
    this.parameters = List.copyOf(parameters);
    this.result = result;
  }

  @Override
  public List<FunctionParameter> getParameters() {
    List<FunctionParameter> list = new ArrayList<>();
    for (int i = 0; i < parameters.size(); i++) {
      int ordinal = i;
      SqlTypeName type = parameters.get(i);
      list.add(
          new FunctionParameter() {
            @Override
            public int getOrdinal() {
              return ordinal;
            }

            @Override
            public String getName() {
              return "arg" + ordinal;
            }

            @Override
            public RelDataType getType(RelDataTypeFactory typeFactory) {
              return typeFactory.createTypeWithNullability(typeFactory.createSqlType(type), true);
            }

            @Override
            public boolean isOptional() {
              return false;
            }
          });
    }
    return list;
  }

  @Override
  public RelDataType getReturnType(RelDataTypeFactory typeFactory) {
    return typeFactory.createTypeWithNullability(typeFactory.createSqlType(result), true);
  }
}
